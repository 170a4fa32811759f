"""`python -m bot demo`: the whole assistant on this laptop, plus the web chat, until Ctrl-C.

Nothing of a demo is kept: the tracker store is in memory, usage counting is off, pseudonyms use a
fresh random secret per start, and the server logs (which never contain message texts) go to a
temporary folder that is removed at the end. Rasa's HTTP API stays off unless
`BOT_DEMO_API_TOKEN` is set (the end-to-end test uses it to check that nothing was kept).
"""
from __future__ import annotations

import asyncio
import os
import secrets
import signal
import tempfile
import webbrowser
from pathlib import Path

from aiohttp import web

from bot import services
from bot.channels.relay import RasaRelay
from bot.config import Env, settings
from bot.demo.server import create_app
from bot.privacy import SECRET_ENV

HOST = "127.0.0.1"


def demo_env() -> dict[str, str]:
    """Environment of the demo's action server and Rasa: store nothing."""
    return {"BOT_USAGE_FILE": "off", SECRET_ENV: settings().id_secret or secrets.token_hex(32)}


async def serve_page(rasa_url: str, port: int, open_browser: bool) -> None:
    """Serve the page until SIGINT or SIGTERM."""
    relay = RasaRelay(rasa_url, settings().rasa_timeout_s)
    runner = web.AppRunner(create_app(relay), access_log=None)   # no access log: it would hold ids
    await runner.setup()
    await web.TCPSite(runner, HOST, port).start()
    url = f"http://{HOST}:{port}/"
    print(f"demo: open {url} in a browser (works offline). Ctrl-C stops it.", flush=True)
    if open_browser:
        try:
            webbrowser.open(url)
        except webbrowser.Error:
            pass   # no browser on this machine: the printed address is enough
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def run(model: Path, port: int, open_browser: bool = True) -> None:
    """Start action server and Rasa (in-memory, REST), then the page; stop all of them at the end."""
    env = demo_env()
    os.environ.update(env)   # this process renders the "unavailable" text with the same settings
    with tempfile.TemporaryDirectory(prefix="bot-demo-") as logs:
        print("demo: starting the assistant (about 30 s)...", flush=True)
        with services.running(model, log_dir=Path(logs), extra_env=env,
                              api_token=Env().text("BOT_DEMO_API_TOKEN") or None) as assistant:
            print(f"demo: the assistant's REST channel is {assistant.webhook}", flush=True)
            asyncio.run(serve_page(assistant.url, port, open_browser))
    print("demo: stopped; nothing was kept.", flush=True)
