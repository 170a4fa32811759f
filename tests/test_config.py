"""Configuration: read in one place (bot.config), clear errors, production refuses to start without
the pseudonym secret, and every server listens on 127.0.0.1 only."""
import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, Env, settings
from bot.paths import ROOT

PRODUCTION_WITHOUT_SECRET = {"BOT_ENV": "production", "BOT_ID_SECRET": ""}


def test_a_typo_in_a_setting_is_an_error_that_names_it_and_shows_the_fix():
    with pytest.raises(ConfigError, match=r"BOT_SERVE_UNREVIEWED must be true or false, got 'ture'; for example"):
        settings({"BOT_SERVE_UNREVIEWED": "ture"})
    with pytest.raises(ConfigError, match="BOT_RETENTION_HOURS must be a number"):
        settings({"BOT_RETENTION_HOURS": "a day"})
    with pytest.raises(ConfigError, match="BOT_MAX_EVENTS must be a whole number of at least 10"):
        settings({"BOT_MAX_EVENTS": "3"})
    with pytest.raises(ConfigError, match="BOT_ENV must be one of embedded, production"):
        settings({"BOT_ENV": "prod"})
    assert settings({"BOT_SERVE_UNREVIEWED": "off"}).serve_unreviewed is False
    assert settings({}).host == "127.0.0.1" and settings({}).env == "embedded"


def test_required_values_and_addresses():
    with pytest.raises(ConfigError) as err:
        Env({}).require({"A_TOKEN": "from the dashboard", "B_ID": "from the settings page"}, "See the docs.")
    assert str(err.value).splitlines() == ["A_TOKEN is not set: from the dashboard.",
                                           "B_ID is not set: from the settings page.", "See the docs."]
    assert Env({"L": "[::1]:8443"}).address("L", "127.0.0.1:1") == ("::1", 8443)
    with pytest.raises(ConfigError, match="L must be host:port"):
        Env({"L": "8443"}).address("L", "127.0.0.1:1")


def test_production_needs_the_secret_and_a_long_one():
    with pytest.raises(ConfigError, match="BOT_ID_SECRET is not set"):
        settings(PRODUCTION_WITHOUT_SECRET).check()
    with pytest.raises(ConfigError, match="at least 16 characters"):
        settings({"BOT_ID_SECRET": "short"}).check()
    assert settings({"BOT_ENV": "production", "BOT_ID_SECRET": "x" * 32}).check().production


def start(args: list, extra: dict) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **extra}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("name,args,extra", [
    ("REST (Rasa)", ["-m", "bot.rasa_process", "run", "--enable-api"], {}),
    ("action server", ["-m", "rasa_sdk", "--actions", "actions", "--port", "0"], {}),
    ("Telegram", ["-m", "bot", "telegram"], {"TELEGRAM_BOT_TOKEN": "123:abc"}),
    ("WhatsApp", ["-m", "bot", "whatsapp"], {"WHATSAPP_VERIFY_TOKEN": "v", "WHATSAPP_APP_SECRET": "s",
                                            "WHATSAPP_ACCESS_TOKEN": "a", "WHATSAPP_PHONE_NUMBER_ID": "1"}),
])
def test_production_refuses_to_start_any_process_without_the_secret(name, args, extra):
    done = start(args, {**PRODUCTION_WITHOUT_SECRET, **extra})
    assert done.returncode != 0, name
    assert "BOT_ID_SECRET is not set" in done.stdout + done.stderr, name


def test_the_assistant_listens_on_127_0_0_1_only(assistant):
    """`bot run` starts these two servers the same way (bot.services): Rasa and the action server
    (which listened on every interface before: a fieldworker's laptop on public Wi-Fi exposed it)."""
    from testkit.processes import command_line, descendants, listening

    servers = {pid for pid in descendants(os.getpid())
               if "rasa_sdk" in command_line(pid) or "rasa_process run" in command_line(pid)}
    sockets = listening(servers)
    assert {port for _, port in sockets} >= {int(assistant.url.rsplit(":", 1)[1]),
                                             int(assistant.action_url.split(":")[2].split("/")[0])}
    assert {address for address, _ in sockets} == {"127.0.0.1"}, sockets


@pytest.fixture(scope="module")
def fakes():
    """The fake Telegram Bot API and a fake REST channel that says it is up, in a thread of their
    own, so the gateway processes start as they would next to a real assistant."""
    import asyncio
    import threading

    from aiohttp import web

    from testkit.fake_telegram import TOKEN, FakeTelegram

    ready, urls = threading.Event(), {}
    loop = asyncio.new_event_loop()

    async def serve() -> None:
        async with FakeTelegram() as api:
            app = web.Application()
            app.router.add_get("/webhooks/rest/", lambda _: web.json_response({"status": "ok"}))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            urls.update(telegram=api.url, rasa="http://{}:{}".format(*runner.addresses[0][:2]))
            ready.set()
            await asyncio.Event().wait()

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield {**urls, "token": TOKEN}
    loop.call_soon_threadsafe(loop.stop)


@pytest.mark.parametrize("gateway", ["whatsapp", "telegram"])
def test_the_gateways_listen_on_127_0_0_1(fakes, gateway):
    import time

    from bot.services import free_port
    from testkit.processes import listening

    port = free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "BOT_RASA_URL": fakes["rasa"]}
    if gateway == "whatsapp":
        env.update(WHATSAPP_VERIFY_TOKEN="v", WHATSAPP_APP_SECRET="s", WHATSAPP_ACCESS_TOKEN="a",
                   WHATSAPP_PHONE_NUMBER_ID="1", WHATSAPP_LISTEN=f"127.0.0.1:{port}")
    else:
        env.update(TELEGRAM_BOT_TOKEN=fakes["token"], TELEGRAM_MODE="webhook", TELEGRAM_WEBHOOK_SECRET="s" * 32,
                   TELEGRAM_API_BASE=fakes["telegram"], TELEGRAM_LISTEN=f"127.0.0.1:{port}")
    process = subprocess.Popen([sys.executable, "-m", "bot", gateway], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not listening({process.pid}) and process.poll() is None:
            time.sleep(0.3)
        sockets = listening({process.pid})
        assert sockets and {address for address, _ in sockets} == {"127.0.0.1"}, sockets
    finally:
        process.terminate()
        process.wait(30)
