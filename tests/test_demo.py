"""The fieldworker demo end to end: `python -m bot demo` started as a fieldworker starts it, the
page driven in a real headless Chromium (Debian's package) with Playwright, then stopped with Ctrl-C."""
from __future__ import annotations

import json
import os
import signal
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.config import LANGUAGES
from bot.knowledge import MENU_TOPICS
from bot.paths import ROOT
from bot.services import Assistant, free_port
from testkit.console import Console
from testkit.processes import descendants
from tests.conftest import TEST_SECRET, rest_key

CHROMIUM = os.environ.get("BOT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
STARTUP_S = 240
# The flags Chromium needs on a machine without network and without a user profile.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Demo(Console):
    """`python -m bot demo` in a child process, with its printed addresses."""

    def __init__(self) -> None:
        self.port = free_port()
        self.api_token = uuid.uuid4().hex
        env = {**os.environ, "BOT_ID_SECRET": TEST_SECRET, "BOT_DEMO_API_TOKEN": self.api_token}
        super().__init__([sys.executable, "-m", "bot", "demo", "--port", str(self.port), "--no-browser"],
                         ROOT, env, "demo", STARTUP_S)
        self.rasa_url = self.url = ""

    def assistant(self) -> Assistant:
        return Assistant(self.rasa_url, "", [], ROOT, self.api_token)

    def post(self, path: str, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, dict(answer.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)


@pytest.fixture(scope="module")
def demo(model):
    assert Path(CHROMIUM).is_file(), (f"Chromium is missing at {CHROMIUM}: run scripts/test-services.sh "
                                      "(Debian: apt-get install chromium) or set BOT_CHROMIUM")
    running = Demo()
    try:
        running.rasa_url = running.wait_for(r"REST channel is (http://\S+)/webhooks/rest/webhook").group(1)
        running.url = running.wait_for(r"open (http://127\.0\.0\.1:\d+)/ in a browser").group(1)
        yield running
    finally:   # after a failure too: stop the demo as Ctrl-C does, then whatever is left
        children = descendants(running.process.pid)   # before the parent goes: orphans are not found
        running.stop()
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def open_page(browser, demo: Demo, **options):
    page = browser.new_page(locale="en-US", **options)
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or request.url))
    page.goto(demo.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    return page, hosts


def bot_messages(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#log li.bot", "items => items.map(i => ({lang: i.lang, answer: i.dataset.answerId, text: i.innerText}))")


def wait_for_reply(page, count_before: int) -> dict:
    """The newest bot message once one more than `count_before` is shown."""
    page.locator("#log li.bot").nth(count_before).wait_for()   # locators: the page's CSP forbids eval
    return bot_messages(page)[-1]


def stored_turns(demo: Demo, conversation: str) -> list[dict]:
    events = demo.assistant().tracker(rest_key(conversation))["events"]
    return [e for e in events if e["event"] in ("user", "bot")]


def test_a_fieldworker_demo_in_polish_then_romanian(demo, browser, knowledge):
    page, hosts = open_page(browser, demo, viewport={"width": 1100, "height": 900})

    # picks Polish: the page and the assistant switch
    count = len(bot_messages(page))
    page.click("button[data-lang=pl]")
    reply = wait_for_reply(page, count)
    assert reply["lang"] == "pl" and reply["answer"] == "language_change"
    assert page.get_attribute("html", "lang") == "pl"
    assert page.inner_text("#topics-heading") == knowledge.demo_text("topics", "pl")

    # clicks a topic button: the topic's questions come as buttons, in Polish
    count = len(bot_messages(page))
    page.click("#topic-police_checks")
    reply = wait_for_reply(page, count)
    assert reply["lang"] == "pl"
    assert knowledge.title("check_id", "pl") in reply["text"]
    assert page.inner_text("#examples") == "\n".join(knowledge.examples("police_checks", "pl"))

    # clicks an answer button: the answer in Polish, with its follow-up buttons
    count = len(bot_messages(page))
    page.locator("#log li.bot").last.get_by_role("button", name=knowledge.title("check_id", "pl")).click()
    reply = wait_for_reply(page, count)
    assert (reply["answer"], reply["lang"]) == ("check_id", "pl")
    assert knowledge.answer_text("check_id", "pl").splitlines()[0] in reply["text"]
    related = knowledge.meta["check_id"].related[0]
    assert page.locator("#log li.bot").last.get_by_role("button", name=knowledge.title(related, "pl")).is_visible()

    # types a question in Romanian: a Romanian answer, and the page follows
    count = len(bot_messages(page))
    page.fill("#question", "Ce drepturi am când poliția vine la control la mine?")
    page.press("#question", "Enter")
    reply = wait_for_reply(page, count)
    assert reply["lang"] == "ro" and reply["answer"] in knowledge.meta, reply
    assert knowledge.answer_text(reply["answer"], "ro").splitlines()[0] in reply["text"]
    assert page.get_attribute("html", "lang") == "ro"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-conversation.png"))   # the README's picture

    # large text
    normal = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.click("#large")
    assert page.get_attribute("#large", "aria-pressed") == "true"
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 1.4 * normal

    # new conversation: the page is cleared and the old conversation is deleted in Rasa
    old = page.get_attribute("body", "data-conversation")
    assert len(stored_turns(demo, old)) >= 8
    page.click("#new")
    page.locator(f"body[data-conversation]:not([data-conversation='{old}'])").wait_for()
    expect(page.locator("#log li")).to_have_count(1)
    assert bot_messages(page)[0]["answer"] == "greet"
    assert stored_turns(demo, old) == [], "the old conversation is still stored"

    page.screenshot(path=str(ARTIFACTS / "demo.png"), full_page=True)
    assert (ARTIFACTS / "demo.png").stat().st_size > 10_000
    assert set(hosts) == {"127.0.0.1"}, f"the page asked other hosts: {sorted(set(hosts))}"
    page.close()


def test_keyboard_only_and_a_phone_sized_window(demo, browser, knowledge):
    page, hosts = open_page(browser, demo, viewport={"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
    reached = set()
    for _ in range(80):   # every control can be reached with Tab alone
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id || document.activeElement.dataset.lang || ''"))
    wanted = {"large", "new", "question", "send", *LANGUAGES, *(f"topic-{t}" for t in MENU_TOPICS)}
    assert wanted <= reached, wanted - reached
    count = len(bot_messages(page))
    page.focus("button[data-lang=es]")
    page.keyboard.press("Enter")
    assert wait_for_reply(page, count)["lang"] == "es"
    count = len(bot_messages(page))
    page.locator("#examples button").first.focus()
    page.keyboard.press("Enter")
    reply = wait_for_reply(page, count)
    assert reply["lang"] == "es" and reply["answer"] in knowledge.meta
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
    assert set(hosts) == {"127.0.0.1"}
    page.close()


def contrast(page, selector: str) -> float:
    """WCAG contrast ratio of an element's text colour on its background colour."""
    return page.eval_on_selector(selector, """element => {
        const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
            : Math.pow((v + 0.055) / 1.055, 2.4); }).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
        let node = element, background = 'rgba(0, 0, 0, 0)';
        while (node && /rgba\\(.*, 0\\)$/.test(background)) { background = getComputedStyle(node).backgroundColor; node = node.parentElement; }
        if (/rgba\\(.*, 0\\)$/.test(background)) background = 'rgb(255, 255, 255)';
        const [a, b] = [lum(rgb(getComputedStyle(element).color)), lum(rgb(background))].sort((x, y) => y - x);
        return (a + 0.05) / (b + 0.05);
    }""")


BRAND = "#1e3a8a"      # bot/web_static/palette.css, shared with the review desk


def test_text_has_enough_contrast(demo, browser):
    page, _ = open_page(browser, demo)
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()") == BRAND
    for selector in ("#title", "#notice", "#new", ".topic", "#examples button", "#send", "#log li.bot",
                     "#languages button[aria-pressed=true]", "#languages button[aria-pressed=false]"):
        assert contrast(page, selector) >= 4.5, selector
        page.hover(selector)   # and while the mouse is on it
        assert contrast(page, selector) >= 4.5, f"{selector}:hover"
    page.close()


def test_the_page_endpoints_refuse_bad_requests_and_set_a_strict_policy(demo):
    with urllib.request.urlopen(demo.url + "/", timeout=30) as answer:
        policy = answer.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and answer.headers["Cache-Control"] == "no-store"
    for path, body in [("/api/message", b"not json"), ("/api/message", b"[]"),
                       ("/api/message", json.dumps({"conversation": "../x", "text": "hi"}).encode()),
                       ("/api/message", json.dumps({"conversation": "a" * 32, "text": 5}).encode()),
                       ("/api/new", json.dumps({"conversation": "zz"}).encode())]:
        status, headers = demo.post(path, body)
        assert status == 400, (path, body)
        assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, _ = demo.post("/api/message", json.dumps({"conversation": "a" * 32, "text": "x" * 6000}).encode())
    assert status == 400
    for path in ("/static/../bot/config.py", "/shared/../paths.py", "/static/nothing.js", "/api/unknown"):
        try:
            urllib.request.urlopen(demo.url + path, timeout=30)
            raise AssertionError(f"{path} was served")
        except urllib.error.HTTPError as error:
            assert error.code == 404, path


def test_every_server_of_the_demo_listens_on_127_0_0_1_only(demo):
    from testkit.processes import listening

    sockets = listening({demo.process.pid} | descendants(demo.process.pid))
    assert len(sockets) >= 3, sockets   # the page, Rasa and the action server
    assert {address for address, _ in sockets} == {"127.0.0.1"}, sockets


def test_ctrl_c_stops_everything_and_nothing_is_left(demo):
    # last in this module: it stops the shared demo
    started = descendants(demo.process.pid)
    assert len(started) >= 2, "expected Rasa and the action server below the demo"
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(60) == 0, "".join(demo.output)
    demo.wait_for(r"stopped; nothing was kept")
    assert not [pid for pid in started if alive(pid)], "processes were left running"
