"""The demo's web server: the chat page and a thin JSON endpoint in front of the REST channel.

Why a small server of its own instead of the page calling Rasa directly: the page then has one
origin, so a strict Content-Security-Policy (`default-src 'self'`) guarantees that nothing is
fetched from elsewhere (it works offline and leaks nothing); its labels and example questions come
from the knowledge files like every other text; and "new conversation" deletes the old conversation
through the same confirmed forget path a Telegram or WhatsApp user has.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

from bot import replies
from bot.channels.relay import RasaRelay
from bot.config import LANGUAGES
from bot.knowledge import DEMO_KEYS, MENU_TOPICS
from bot.paths import WEB_STATIC

STATIC = Path(__file__).parent / "static"
#: Longer questions are cut by the REST channel anyway; this bounds what the demo accepts at all.
MAX_TEXT_CHARS = 5000
_CONVERSATION = re.compile(r"^[0-9a-f]{32}$")
SECURITY_HEADERS = {
    # Nothing but this server: no CDN, no fonts, no analytics, no frames.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "Cache-Control": "no-store",          # nothing of the conversation stays in the browser cache
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
RELAY_KEY: web.AppKey[RasaRelay] = web.AppKey("relay", RasaRelay)


@web.middleware
async def security_headers(request: web.Request,
                           handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    try:
        answer = await handler(request)
    except web.HTTPException as error:   # 404s and 400s get the headers too
        answer = error
    answer.headers.update(SECURITY_HEADERS)
    if isinstance(answer, web.HTTPException) and answer.status >= 400:
        raise answer
    return answer


def page_texts(relay: RasaRelay) -> dict:
    """Everything the page shows before the assistant says anything, per language."""
    k = relay.knowledge()
    return {
        "languages": [{"code": lang, "name": k.language_name(lang)} for lang in LANGUAGES],
        "ui": {lang: {
            "labels": {key: k.demo_text(key, lang) for key in DEMO_KEYS},
            "unavailable": k.system_text("service_unavailable", lang),   # when this server is gone
            "topics": [{"id": topic, "label": k.topic_label(topic, lang),
                        "payload": replies.payload("menu", topic=topic),
                        "examples": k.examples(topic, lang)} for topic in MENU_TOPICS],
        } for lang in LANGUAGES},
    }


async def _json_body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body must be JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body


def _conversation(body: dict) -> str:
    conversation = body.get("conversation")
    if not isinstance(conversation, str) or not _CONVERSATION.match(conversation):
        raise web.HTTPBadRequest(text="'conversation' must be 32 hexadecimal characters")
    return conversation


async def index(_: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def texts(request: web.Request) -> web.Response:
    return web.json_response(page_texts(request.app[RELAY_KEY]))


async def message(request: web.Request) -> web.Response:
    """One user message (typed, a chip or a button payload) → the assistant's messages."""
    body = await _json_body(request)
    conversation = _conversation(body)
    text, language = body.get("text"), body.get("language")
    if not isinstance(text, str) or len(text) > MAX_TEXT_CHARS:
        raise web.HTTPBadRequest(text=f"'text' must be a string of at most {MAX_TEXT_CHARS} characters")
    metadata = {"language": language} if language in LANGUAGES else {}
    messages = await request.app[RELAY_KEY].send(conversation, text, metadata)
    return web.json_response({"messages": messages})


async def new_conversation(request: web.Request) -> web.Response:
    """Delete the old conversation (forget, confirmed) and hand out a fresh id."""
    body = await _json_body(request)
    relay = request.app[RELAY_KEY]
    if body.get("conversation") is not None:
        old = _conversation(body)
        await relay.send(old, replies.payload("forget_me"))
        await relay.send(old, replies.payload("affirm"))
    return web.json_response({"conversation": uuid.uuid4().hex})


def create_app(relay: RasaRelay) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app[RELAY_KEY] = relay
    app.router.add_get("/", index)
    app.router.add_get("/api/texts", texts)
    app.router.add_post("/api/message", message)
    app.router.add_post("/api/new", new_conversation)
    app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)
    app.router.add_static("/shared/", WEB_STATIC, show_index=False, follow_symlinks=False)

    async def close_relay(_: web.Application) -> None:
        await relay.aclose()

    # aiohttp 3.9 writes Signal[callback type]; aiosignal 1.4 reads Signal[...] as the callbacks' arguments
    app.on_cleanup.append(close_relay)  # type: ignore[arg-type]
    return app
