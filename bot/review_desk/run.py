"""`python -m bot review-desk`: the review desk on http://127.0.0.1:8001/ until Ctrl-C.

No assistant is started: the desk only reads the knowledge files and writes review records.
It listens on 127.0.0.1 only and has no login: never make it reachable from a network.
"""
from __future__ import annotations

import asyncio
import signal
import webbrowser
from pathlib import Path

from aiohttp import web

from bot.demo.run import HOST
from bot.knowledge import KnowledgeError
from bot.review_desk.model import Desk
from bot.review_desk.server import create_app


async def serve(desk: Desk, port: int, open_browser: bool) -> None:
    """Serve the desk until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):   # before the address is printed: Ctrl-C may follow at once
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(create_app(desk), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, HOST, port).start()
    url = f"http://{HOST}:{runner.addresses[0][1]}/"   # the port chosen when asked for port 0
    print(f"review desk: open {url} in a browser (works offline; only on this computer). Ctrl-C stops it.",
          flush=True)
    if open_browser:
        try:
            webbrowser.open(url)
        except webbrowser.Error:
            pass   # no browser on this machine: the printed address is enough
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def run(locales: Path, catalog: Path, port: int, open_browser: bool = True) -> None:
    desk = Desk(locales, catalog)
    try:
        desk.knowledge()
    except KnowledgeError as err:   # the page shows them too, until they are fixed
        print(f"review desk: the knowledge files have {len(err.problems)} problem(s); "
              "python -m bot validate lists them", flush=True)
    if not catalog.is_file():
        print(f"review desk: no catalog at {catalog}; answers are shown without their must-say facts", flush=True)
    print(f"review desk: reading {locales}", flush=True)
    asyncio.run(serve(desk, port, open_browser))
    print("review desk: stopped.", flush=True)
