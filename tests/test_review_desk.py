"""The review desk: review records (kept wording, safety lists, concurrent writers) and the desk
end to end: `python -m bot review-desk` on a COPY of locales/, driven in Debian's Chromium with
Playwright like the fieldworker demo (tests/test_demo.py), then stopped with Ctrl-C.

Nothing here writes the real review files: every test works on a copy (BOT_LOCALES_DIR)."""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot import knowledge, review
from bot.config import LANGUAGES
from bot.paths import LOCALES, ROOT
from bot.review_desk.model import Desk, word_diff
from testkit.console import Console
from tests.test_demo import ARTIFACTS, BRAND, CHROMIUM, alive, contrast, expect

CATALOG = ROOT.parent / "shared" / "catalog.yml"
STARTUP_S = 60
STRICT_LINE = re.compile(r"^locales/(\w+)/(answers|safety)\.yml:\d+: (\S+): (.+)$")


@pytest.fixture(autouse=True, scope="module")
def real_review_files_stay_untouched():
    before = {p: p.read_bytes() for p in LOCALES.glob("*/reviews.yml")}
    yield
    assert {p: p.read_bytes() for p in LOCALES.glob("*/reviews.yml")} == before, "a test wrote the real review files"


@pytest.fixture()
def copy(tmp_path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(LOCALES, target, ignore=shutil.ignore_patterns("reviews.yml"))
    return target


def records(locales: Path, lang: str) -> dict:
    path = locales / lang / review.FILE
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def strict(locales: Path) -> tuple[int, dict[str, Counter]]:
    """`python -m bot validate --strict` on a copy: its exit code and the statuses it reports."""
    result = subprocess.run([sys.executable, "-m", "bot", "validate", "--strict", "--locales", str(locales)],
                            cwd=ROOT, capture_output=True, text=True)
    found: dict[str, Counter] = {"answers": Counter(), "safety": Counter()}
    for line in result.stdout.splitlines():
        match = STRICT_LINE.match(line)
        if match:
            found["safety" if match.group(2) == "safety" else "answers"][match.group(4)] += 1
    return result.returncode, found


# ------------------------------------------------------------------------------ review records
def test_a_record_keeps_the_reviewed_wording_and_old_records_stay_readable(copy):
    k = knowledge.load(copy)
    entry = k.answers["pl"]["check_home"]
    review.record(copy, "pl", "check_home", entry, review.APPROVED, "Ana (SWAD)")
    raw = records(copy, "pl")["check_home"]
    assert raw["hash"] == review.text_hash(entry) and raw["reviewed"] == review.wording(entry)
    assert "|" in (copy / "pl" / review.FILE).read_text(encoding="utf-8"), "multi-line texts stay readable"
    # a record as the command line wrote it before the wording was kept: still valid, no diff
    old = {"check_id": {"status": "approved", "reviewer": "Old", "date": "2026-01-01",
                        "hash": review.text_hash(k.answers["en"]["check_id"])}}
    (copy / "en" / review.FILE).write_text(yaml.safe_dump(old), encoding="utf-8")
    k = knowledge.load(copy)
    assert k.review_status("check_home", "pl") == k.review_status("check_id", "en") == review.APPROVED
    assert k.reviews["en"]["check_id"].reviewed is None
    edit(copy / "en" / "answers.yml", k.answers["en"]["check_id"]["text"][:20], "Yes. " + k.answers["en"]["check_id"]["text"][:20])
    desk = Desk(copy, CATALOG)
    cell = next(c for c in desk.cells(desk.knowledge(), "check_id") if c.lang == "en")
    assert cell.status == review.CHANGED and cell.edited_since and cell.changes == {}


def test_word_diff_marks_removed_and_added_words():
    ops = word_diff("You may ask.\nThen go.", "Uwaga: you may ask.\nThen go.")
    assert ("del", "You") in ops and ("ins", "Uwaga: you") in ops
    assert "".join(t for op, t in ops if op != "del") == "Uwaga: you may ask.\nThen go."


def test_nothing_is_recorded_when_the_text_changed_or_a_rejection_has_no_comment(copy):
    entry = knowledge.load(copy).answers["ro"]["check_id"]
    with pytest.raises(review.TextChanged):
        review.record(copy, "ro", "check_id", entry, review.APPROVED, "Ana", seen_hash="0" * 16)
    with pytest.raises(ValueError, match="comment"):
        review.record(copy, "ro", "check_id", entry, review.REJECTED, "Ana", note="  ")
    with pytest.raises(ValueError, match="name"):
        review.record(copy, "ro", "check_id", entry, review.APPROVED, " ")
    assert not (copy / "ro" / review.FILE).exists()


def _write_many(locales: str, ids: list[str], reviewer: str) -> None:
    k = knowledge.load(Path(locales))
    for answer_id in ids:
        review.record(Path(locales), "pl", answer_id, k.answers["pl"][answer_id], review.APPROVED, reviewer)


def test_two_reviewers_writing_at_once_lose_no_record(copy):
    ids = list(knowledge.load(copy).answers["pl"])[:24]
    shares = [ids[i::4] for i in range(4)]   # four reviewers, each their own answers, all at once
    with concurrent.futures.ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("fork")) as pool:
        for done in [pool.submit(_write_many, str(copy), share, f"reviewer {i}") for i, share in enumerate(shares)]:
            done.result()
    written = records(copy, "pl")
    assert sorted(written) == sorted(ids)
    assert not list((copy / "pl").glob(".reviews-*")), "a temporary file was left behind"
    assert all(knowledge.load(copy).review_status(a, "pl") == review.APPROVED for a in ids)


def test_safety_lists_have_records_of_their_own_and_strict_validation_counts_them(copy):
    k = knowledge.load(copy)
    danger = k.safety_lists["pl"]["danger"]
    review.record(copy, "pl", review.safety_key("danger"), danger, review.APPROVED, "Ana")
    assert records(copy, "pl")["safety:danger"]["reviewed"] == danger
    k = knowledge.load(copy)
    assert k.safety_review_status("danger", "pl") == review.APPROVED
    code, found = strict(copy)
    lists = sum(bool(p) for lang in LANGUAGES for p in k.safety_lists[lang].values())
    assert code == 1 and sum(found["safety"].values()) == lists - 1
    edit(copy / "pl" / "safety.yml", "danger:\n", "danger:\n  - nowa fraza\n")
    k = knowledge.load(copy)
    assert k.safety_review_status("danger", "pl") == review.CHANGED
    cell = Desk(copy, CATALOG).safety_cell(k, "pl", "danger")
    assert cell.added == ["nowa fraza"] and cell.removed == []
    text = (copy / "pl" / review.FILE).read_text(encoding="utf-8")
    (copy / "pl" / review.FILE).write_text(text.replace("safety:danger:", "safety:nothing:"), encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match="review of unknown answer 'safety:nothing'"):
        knowledge.load(copy)


# ------------------------------------------------------------------------------ the desk
class RunningDesk(Console):
    """`python -m bot review-desk` in a child process, on a copy of locales/."""

    def __init__(self, locales: Path) -> None:
        self.locales = locales
        env = {**os.environ, "BOT_LOCALES_DIR": str(locales)}
        super().__init__([sys.executable, "-m", "bot", "review-desk", "--port", "0", "--no-browser",
                          "--locales", str(locales)], ROOT, env, "desk", STARTUP_S)
        self.url = self.wait_for(r"open (http://127\.0\.0\.1:\d+)/ in a browser").group(1)


@pytest.fixture()
def desk(copy):
    running = RunningDesk(copy)
    try:
        yield running
    finally:
        running.stop()


def open_page(browser, desk: RunningDesk, path: str = "/", **options):
    assert Path(CHROMIUM).is_file(), (f"Chromium is missing at {CHROMIUM}: run scripts/test-services.sh "
                                      "(Debian: apt-get install chromium) or set BOT_CHROMIUM")
    page = browser.new_page(locale="en-US", **options)
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or request.url))
    page.goto(desk.url + path)
    page.wait_for_selector("body[data-ready=true]")
    return page, hosts


def ready(page) -> None:
    page.wait_for_selector("body[data-ready=true]")


def desk_counts(page, desk: RunningDesk) -> dict[str, Counter]:
    page.goto(desk.url + "/")
    ready(page)
    out: dict[str, Counter] = {"answers": Counter(), "safety": Counter()}
    for kind in out:
        for status in review.STATUSES:
            css = {"changed since review": "changed"}.get(status, status)
            n = int(page.inner_text(f"[data-count={kind}-{css}]"))
            if n:
                out[kind][status] = n
    return out


def cell_text(page, lang: str) -> str:
    return page.inner_text(f"#lang-{lang}")


def test_review_an_answer_in_the_browser_then_see_it_change(desk, browser):
    k = knowledge.load(desk.locales)
    page, hosts = open_page(browser, desk, viewport={"width": 1280, "height": 900})

    # filter to unreviewed answers marked careful
    page.select_option("#f-status", review.UNREVIEWED)
    page.select_option("#f-careful", "only")
    page.click("#filter")
    ready(page)
    careful = [m.id for m in k.meta.values() if m.careful]
    listed = page.eval_on_selector_all("li.answer", "items => items.map(i => i.dataset.answer)")
    assert sorted(listed) == sorted(careful)
    assert page.inner_text("#shown") == f"{len(careful)} answer(s) shown."

    # open the first one: five languages, contacts as users see them
    answer_id = listed[0]
    page.click(f"li.answer[data-answer={answer_id}] a")
    ready(page)
    assert page.url.endswith(f"/answer/{answer_id}")
    expect(page.locator("article.cell")).to_have_count(len(LANGUAGES))
    catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8")) if CATALOG.is_file() else {"answers": []}
    entry = next((a for a in catalog["answers"] if a["id"] == answer_id), None)
    if entry is not None:
        assert page.inner_text("h1") == entry["question"]
        for fact in entry["must_say"]:
            assert fact in page.inner_text(".brief")
        assert entry["careful"] in page.inner_text(".careful-note")
    for lang in LANGUAGES:
        shown = cell_text(page, lang)
        assert page.get_attribute(f"#lang-{lang} p.msg", "lang") == lang
        assert k.answer_text(answer_id, lang) in page.inner_text(f"#lang-{lang} p.msg >> nth=0")
        assert "{" not in shown, f"an unfilled placeholder in {lang}"
        for match in knowledge.PLACEHOLDER.finditer(k.answers[lang][answer_id]["text"] + k.answers[lang][answer_id].get("more", "")):
            if match.group(1) in k.contacts:
                assert k.contacts[match.group(1)][match.group(2)] in shown
        assert review.UNREVIEWED in page.inner_text(f"#status-{lang}")

    # the name is asked once; approve Polish, reject Romanian with a comment
    page.fill("#reviewer-name", "Ana (SWAD)")
    page.click("#name-save")
    expect(page.locator("#name-value")).to_have_text("Ana (SWAD)")
    page.click("#approve-pl")
    ready(page)
    expect(page.locator("#flash")).to_have_text("Recorded: Polish approved.")
    assert page.locator("#name-form").is_hidden(), "the name was asked again"
    page.fill("#note-ro", "Zbyt lung: a doua propoziție e greu de înțeles.")
    page.click("#reject-ro")
    ready(page)
    assert page.get_attribute("#lang-pl", "data-status") == review.APPROVED
    assert page.get_attribute("#lang-ro", "data-status") == review.REJECTED
    assert "Ana (SWAD)" in page.inner_text("#status-pl") and "greu de înțeles" in page.inner_text("#status-ro")

    # exactly those two records, bound to the texts that were shown
    today = page.inner_text("#status-pl").split(" on ")[1].rstrip(".")
    assert records(desk.locales, "pl") == {answer_id: {
        "status": "approved", "reviewer": "Ana (SWAD)", "date": today,
        "hash": review.text_hash(k.answers["pl"][answer_id]), "reviewed": review.wording(k.answers["pl"][answer_id])}}
    assert records(desk.locales, "ro") == {answer_id: {
        "status": "rejected", "reviewer": "Ana (SWAD)", "date": today, "note": "Zbyt lung: a doua propoziție e greu de înțeles.",
        "hash": review.text_hash(k.answers["ro"][answer_id]), "reviewed": review.wording(k.answers["ro"][answer_id])}}
    assert not any((desk.locales / lang / review.FILE).exists() for lang in ("nl", "en", "es"))

    # the editor changes the Polish text: "changed since review", with what changed
    first_words = k.answers["pl"][answer_id]["text"][:30]
    edit(desk.locales / "pl" / "answers.yml", first_words, "Uwaga: " + first_words)
    page.reload()
    ready(page)
    assert page.get_attribute("#lang-pl", "data-status") == review.CHANGED
    assert "Uwaga:" in page.inner_text("#diff-pl ins")
    assert page.get_attribute("#lang-en", "data-status") == review.UNREVIEWED
    expect(page.locator("#flash")).to_have_count(0)   # "Recorded" is said once, not again on a reload
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "review-desk.png"))   # the picture in docs/editing-content.md

    # python -m bot validate --strict agrees with the desk's counts
    counts = desk_counts(page, desk)
    code, reported = strict(desk.locales)
    assert code == 1
    assert counts["answers"][review.CHANGED] == counts["answers"][review.REJECTED] == 1
    for kind in ("answers", "safety"):
        assert reported[kind] == counts[kind] - Counter({review.APPROVED: counts[kind][review.APPROVED]}), kind
    assert set(hosts) == {"127.0.0.1"}, f"the page asked other hosts: {sorted(set(hosts))}"
    page.close()


def focus_by_tab(page, element_id: str, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def test_keyboard_only_review(desk, browser):
    page, _ = open_page(browser, desk, viewport={"width": 1280, "height": 900})
    k = knowledge.load(desk.locales)
    answer_id = next(iter(k.meta))
    # Tab to the answer, open it with Enter
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == f"/answer/{answer_id}":
            break
    else:
        raise AssertionError("the answer link cannot be reached with Tab")
    page.keyboard.press("Enter")
    ready(page)
    # approving before the name is known asks for it, then returns to the button
    focus_by_tab(page, "approve-en")
    page.keyboard.press("Enter")
    expect(page.locator("#name-needed")).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "reviewer-name"
    page.keyboard.type("Kim (fieldworker)")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "approve-en"
    page.keyboard.press("Enter")
    ready(page)
    expect(page.locator("#flash")).to_have_text("Recorded: English approved.")
    # reject another language with a typed comment
    focus_by_tab(page, "note-es")
    page.keyboard.type("Falta el número de teléfono.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reject-es"
    page.keyboard.press("Enter")
    ready(page)
    assert records(desk.locales, "en")[answer_id]["reviewer"] == "Kim (fieldworker)"
    assert records(desk.locales, "es")[answer_id]["note"] == "Falta el número de teléfono."
    page.close()


def test_contrast_and_a_phone_sized_window(desk, browser):
    k = knowledge.load(desk.locales)
    review.record(desk.locales, "nl", "check_id", k.answers["nl"]["check_id"], review.APPROVED, "Ana")
    review.record(desk.locales, "en", "check_id", k.answers["en"]["check_id"], review.REJECTED, "Ana", "too long")
    review.record(desk.locales, "es", "check_id", k.answers["es"]["check_id"], review.APPROVED, "Ana")
    start = k.answers["es"]["check_id"]["text"][:20]   # its first word replaced by a sentence of 30 words
    edit(desk.locales / "es" / "answers.yml", start, " ".join(["y"] * 30) + ". " + start.split(" ", 1)[1])

    page, hosts = open_page(browser, desk, "/answer/check_id", viewport={"width": 1280, "height": 900})
    assert "a sentence of 30 words" in page.inner_text("#lang-es .warnings")
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()") == BRAND
    selectors = ["h1", ".nav a", "#name-save", ".crumbs a", ".tags", ".brief li",
                 "#lang-nl .badge", "#lang-en .badge", "#lang-es .badge", "#lang-pl .badge",
                 "#lang-es del", "#lang-es ins", "#lang-es .warnings li", "#approve-pl", "#reject-pl",
                 "label[for=note-pl]", "#lang-pl p.msg", ".foot"]
    for selector in selectors:
        assert contrast(page, selector) >= 4.5, selector
    for selector in ("#approve-pl", "#reject-pl", "#name-save", ".nav a"):
        page.hover(selector)
        assert contrast(page, selector) >= 4.5, f"{selector}:hover"
    page.goto(desk.url + "/")
    ready(page)
    for selector in (".flag.critical", ".flag.careful", "li.chip.approved", "li.chip.rejected", "li.chip.changed",
                     "li.chip.unreviewed", "#filter", "label[for=f-status]", "li.answer a"):
        assert contrast(page, selector) >= 4.5, selector
    page.close()

    for path in ("/", "/answer/check_id", "/answer/check_id/print", "/safety", "/safety/pl/danger"):
        page, _ = open_page(browser, desk, path, viewport={"width": 360, "height": 740})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{path} scrolls sideways"
        page.close()
    assert set(hosts) == {"127.0.0.1"}


def test_printable_page_for_a_review_meeting(desk, browser):
    k = knowledge.load(desk.locales)
    page, _ = open_page(browser, desk, "/answer/report_how/print", viewport={"width": 800, "height": 900})
    expect(page.locator("article.cell")).to_have_count(len(LANGUAGES))
    for lang in LANGUAGES:
        assert k.answer_text("report_how", lang) in page.inner_text(f"#lang-{lang}")
    assert page.locator("form.review").count() == 0 and page.locator(".signoff").count() == len(LANGUAGES)
    page.emulate_media(media="print")
    assert page.locator(".top").is_hidden() and page.locator(".crumbs").is_hidden()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.close()


def test_safety_lists_are_reviewed_with_their_blind_set_recall(desk, browser):
    from bench import safety as bench_safety

    k = knowledge.load(desk.locales)
    page, _ = open_page(browser, desk, "/safety", viewport={"width": 1280, "height": 900})
    lists = [f"{lang}-{name}" for lang in LANGUAGES for name, phrases in k.safety_lists[lang].items() if phrases]
    assert page.eval_on_selector_all("li[data-list]", "items => items.map(i => i.dataset.list)") == lists
    round_name = bench_safety.rounds()[-1]
    figure = bench_safety.measure(bench_safety.load(round_name), bench_safety.lists_reply(k))["pl"]["danger"]
    assert figure["right"] > figure["n"] / 2      # the lists alone catch most danger messages of the blind set
    recall = page.inner_text("li[data-list=pl-danger] .recall")
    assert f"{figure['right']} of {figure['n']} danger messages in Polish, blind set {round_name}" in recall
    assert "False alarms on calm messages" in page.inner_text("li[data-list=pl-not_danger] .recall")

    page.click("li[data-list=pl-danger] a")
    ready(page)
    assert page.locator("ol.phrases li").count() == len(k.safety_lists["pl"]["danger"])
    page.fill("#reviewer-name", "Ana (SWAD)")
    page.click("#name-save")
    page.click("#approve-pl")
    ready(page)
    assert review.APPROVED in page.inner_text("#status")
    assert records(desk.locales, "pl")["safety:danger"]["hash"] == review.text_hash(k.safety_lists["pl"]["danger"])
    edit(desk.locales / "pl" / "safety.yml", "danger:\n", "danger:\n  - nowa fraza\n")
    page.reload()
    ready(page)
    assert review.CHANGED in page.inner_text("#status") and page.inner_text("#diff ins") == "nowa fraza"
    code, _ = strict(desk.locales)
    assert code == 1
    page.close()


def _request(desk: RunningDesk, path: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(desk.url + path, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_desk_is_local_only_refuses_foreign_posts_and_a_stale_text(desk):
    status, headers, _ = _request(desk, "/")
    assert status == 200 and "default-src 'self'" in headers["Content-Security-Policy"]
    assert "Set-Cookie" not in headers
    assert _request(desk, "/", headers={"Host": "evil.example"})[0] == 403   # DNS rebinding
    k = knowledge.load(desk.locales)
    form = (f"key=check_id&lang=pl&action=approve&reviewer=Ana&hash={review.text_hash(k.answers['pl']['check_id'])}"
            .encode())
    origin = {"Origin": desk.url, "Content-Type": "application/x-www-form-urlencoded"}
    assert _request(desk, "/review", form, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 403
    assert _request(desk, "/review", form, {**origin, "Origin": "http://evil.example"})[0] == 403
    assert _request(desk, "/review", form, {**origin, "Sec-Fetch-Site": "cross-site"})[0] == 403
    for bad in (b"key=nothing&lang=pl&action=approve&reviewer=Ana&hash=0123456789abcdef",
                b"key=check_id&lang=xx&action=approve&reviewer=Ana&hash=0123456789abcdef",
                b"key=check_id&lang=pl&action=maybe&reviewer=Ana&hash=0123456789abcdef",
                b"key=safety:nothing&lang=pl&action=approve&reviewer=Ana&hash=0123456789abcdef"):
        assert _request(desk, "/review", bad, origin)[0] == 400, bad
    status, _, body = _request(desk, "/review", form.replace(b"reviewer=Ana", b"reviewer="), origin)
    assert status == 400 and "reviewer" in body
    stale = form.replace(review.text_hash(k.answers["pl"]["check_id"]).encode(), b"0123456789abcdef")
    status, _, body = _request(desk, "/review", stale, origin)
    assert status == 409 and "nothing was recorded" in body
    assert not (desk.locales / "pl" / review.FILE).exists()
    for path in ("/static/../bot/config.py", "/shared/../paths.py", "/static/nothing.js", "/answer/nothing",
                 "/safety/pl/nothing"):
        assert _request(desk, path)[0] == 404, path
    # a broken edit: the desk shows the problem instead of an older text
    (desk.locales / "en" / "system.yml").write_text("greet: [broken\n", encoding="utf-8")
    status, _, body = _request(desk, "/answer/check_id")
    assert status == 503 and "locales/en/system.yml" in body


def test_ctrl_c_stops_the_desk(desk):
    assert alive(desk.process.pid)
    assert desk.stop() == 0
    desk.wait_for(r"review desk: stopped")
