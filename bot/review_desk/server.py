"""The review desk's web server (aiohttp), built like the fieldworker demo's: one origin, the
demo's strict security headers (`default-src 'self'`: nothing is fetched from elsewhere, it works
offline), no cookies, no login.

There is no login because the desk listens on 127.0.0.1 only. Two guards keep other web pages in
the reviewer's own browser from using it: a request must name this machine as its host (so a
DNS-rebinding page cannot reach it), and a review (POST) must come from the desk's own pages
(`Sec-Fetch-Site` or `Origin`), so another site cannot submit a form to it.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

from bot import review
from bot.config import LANGUAGES
from bot.demo.server import security_headers
from bot.knowledge import KnowledgeError
from bot.paths import WEB_STATIC
from bot.review_desk import pages, safety_pages
from bot.review_desk.model import CAREFUL_CHOICES, Desk

STATIC = Path(__file__).parent / "static"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
MAX_NAME = 80
MAX_NOTE = 2000
_HASH = re.compile(r"^[0-9a-f]{16}$")
_PORT = re.compile(r":\d+$")
DESK_KEY: web.AppKey[Desk] = web.AppKey("desk", Desk)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _same_origin(request: web.Request) -> bool:
    """A form sent by the desk's own page. Browsers say so in `Sec-Fetch-Site`; with the demo's
    `Referrer-Policy: no-referrer` they send `Origin: null`, so the origin counts only when named."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    return request.headers.get("Origin") == f"http://{request.host}"


@web.middleware
async def local_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse requests that do not address this machine, and POSTs from other origins."""
    if _PORT.sub("", request.host).lower() not in LOCAL_HOSTS:
        raise web.HTTPForbidden(text="the review desk answers only on 127.0.0.1")
    if request.method == "POST" and not _same_origin(request):
        raise web.HTTPForbidden(text="reviews can only be sent from the desk's own pages")
    return await handler(request)


def html(page: str, status: int = 200) -> web.Response:
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def knowledge_or_page(request: web.Request):
    try:
        return request.app[DESK_KEY].knowledge(), None
    except KnowledgeError as err:
        return None, html(pages.problems_page(err.problems), status=503)


async def overview(request: web.Request) -> web.Response:
    desk = request.app[DESK_KEY]
    k, problem = knowledge_or_page(request)
    if k is None:
        return problem
    status = request.query.get("status", "")
    lang = request.query.get("lang", "")
    careful = request.query.get("careful", "")
    status = status if status in review.STATUSES else ""
    lang = lang if lang in LANGUAGES else ""
    careful = careful if careful in CAREFUL_CHOICES else ""
    return html(pages.overview(desk, k, desk.rows(k, status, lang, careful), status, lang, careful))


async def answer(request: web.Request) -> web.Response:
    desk = request.app[DESK_KEY]
    k, problem = knowledge_or_page(request)
    if k is None:
        return problem
    answer_id = request.match_info["answer_id"]
    if answer_id not in k.meta:
        raise web.HTTPNotFound(text="no such answer")
    if request.match_info.get("print"):
        return html(pages.answer_print(desk, k, answer_id))
    return html(pages.answer(desk, k, answer_id, request.query.get("done", "")))


async def _recall(desk: Desk, k) -> dict:
    """The blind-set figures take about a second: computed off the event loop, then cached."""
    return await asyncio.get_running_loop().run_in_executor(None, desk.recall, k)


async def safety_overview(request: web.Request) -> web.Response:
    desk = request.app[DESK_KEY]
    k, problem = knowledge_or_page(request)
    if k is None:
        return problem
    return html(safety_pages.safety_overview(desk, k, await _recall(desk, k)))


async def safety_list(request: web.Request) -> web.Response:
    desk = request.app[DESK_KEY]
    k, problem = knowledge_or_page(request)
    if k is None:
        return problem
    lang, name = request.match_info["lang"], request.match_info["name"]
    if lang not in LANGUAGES or name not in desk.safety_names(k, lang):
        raise web.HTTPNotFound(text="no such safety list")
    cell = desk.safety_cell(k, lang, name)
    return html(safety_pages.safety_list(desk, k, cell, await _recall(desk, k), request.query.get("done", "")))


async def post_review(request: web.Request) -> web.StreamResponse:
    """Approve or reject one answer (or safety list) in one language, through bot.review.record,
    only if the wording on disk is still the one the reviewer read (`hash`)."""
    desk = request.app[DESK_KEY]
    form = await request.post()
    key, lang, seen = str(form.get("key", "")), str(form.get("lang", "")), str(form.get("hash", ""))
    action, reviewer, note = str(form.get("action", "")), str(form.get("reviewer", "")), str(form.get("note", ""))
    k, problem = knowledge_or_page(request)
    if k is None:
        return problem
    if review.is_safety_key(key):
        name = key[len(review.SAFETY_PREFIX):]
        if lang not in LANGUAGES or name not in desk.safety_names(k, lang):
            raise web.HTTPBadRequest(text="no such safety list")
        entry: review.Wording = k.safety_lists[lang][name]
        back = f"/safety/{lang}/{name}"
    else:
        if lang not in LANGUAGES or key not in k.answers.get(lang, {}):
            raise web.HTTPBadRequest(text="no such answer")
        entry = k.answers[lang][key]
        back = f"/answer/{key}"
    if action not in ("approve", "reject") or not _HASH.match(seen):
        raise web.HTTPBadRequest(text="a review needs action approve or reject and the hash of the text read")
    if len(reviewer) > MAX_NAME or len(note) > MAX_NOTE:
        raise web.HTTPBadRequest(text=f"the name may have {MAX_NAME} and the comment {MAX_NOTE} characters")
    status = review.APPROVED if action == "approve" else review.REJECTED
    try:
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: review.record(desk.locales, lang, key, entry, status, reviewer, note, seen_hash=seen))
    except review.TextChanged:
        return html(pages.message_page(
            "The text changed while you were reading",
            "Someone edited this text after you opened the page, so nothing was recorded. "
            "Open the page again and read the new wording.", back), status=409)
    except ValueError as err:
        return html(pages.message_page("Nothing was recorded", f"{err}.", back), status=400)
    done = f"{lang}-{'approved' if status == review.APPROVED else 'rejected'}"
    if review.is_safety_key(key):
        done = done.split("-")[1]
    raise web.HTTPSeeOther(f"{back}?done={done}#{'status' if review.is_safety_key(key) else 'lang-' + lang}")


def create_app(desk: Desk) -> web.Application:
    app = web.Application(middlewares=[security_headers, local_only], client_max_size=64 * 1024)
    app[DESK_KEY] = desk
    app.router.add_get("/", overview)
    app.router.add_get("/answer/{answer_id}", answer)
    app.router.add_get("/answer/{answer_id}/{print:print}", answer)
    app.router.add_get("/safety", safety_overview)
    app.router.add_get("/safety/{lang}/{name}", safety_list)
    app.router.add_post("/review", post_review)
    app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)
    app.router.add_static("/shared/", WEB_STATIC, show_index=False, follow_symlinks=False)
    return app
