"""What does the Telegram gateway add per message, and how much memory does it take?

Real python-telegram-bot code against the fake Bot API (testkit/fake_telegram.py) and a fake Rasa
that answers instantly, both in a child process, so this process is the gateway alone: parsing
the update, the HTTP hop to Rasa, "typing…", the keyboard and sending the reply, over loopback.
The real Telegram round trip (~50-150 ms from the Netherlands) and Rasa's own time come on top.

    .venv/bin/python -m bench.telegram_overhead [--messages 500]
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from multiprocessing.connection import Connection

from testkit.processes import rss_mb

HEAVY_MODULES = ("rasa", "tensorflow", "sanic", "lingua", "spacy")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def serve_fakes(conn: Connection, fake_api: str) -> None:
    """Child process: the fake platform API (`module:Class`) and the instant fake Rasa, until the
    parent says stop."""
    import importlib

    from testkit.fake_telegram import FakeRasa

    module, name = fake_api.split(":")
    api_class = getattr(importlib.import_module(module), name)

    async def serve() -> None:
        async with api_class() as api, FakeRasa() as rasa:
            conn.send((api.url, rasa.url))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)

    asyncio.run(serve())


async def measure(api_url: str, rasa_url: str, messages: int, warmup: int = 50) -> dict[str, float]:
    from telegram import Update

    from bot.channels.telegram import TelegramConfig, build_application
    from testkit.fake_telegram import TOKEN, text_update

    app = build_application(TelegramConfig(token=TOKEN, api_base=api_url, rasa_url=rasa_url))
    await app.initialize()
    try:
        async def one(chat: int) -> float:
            update = Update.de_json(text_update(chat, "do I need Dutch health insurance?"), app.bot)
            started = time.perf_counter()
            await app.process_update(update)
            return (time.perf_counter() - started) * 1000

        for n in range(warmup):
            await one(n)
        cpu = time.process_time()
        wall = [await one(n) for n in range(messages)]
        cpu_ms = (time.process_time() - cpu) * 1000 / messages
    finally:
        await app.shutdown()
        await app.post_shutdown(app)
    return {"median_ms": statistics.median(wall), "p95_ms": percentile(wall, 0.95), "cpu_ms": cpu_ms}


def run(measure, fake_api: str, doc: str) -> None:
    """Shared by the gateway benchmarks: start the fakes in their own process, measure, print."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()

    baseline = rss_mb()   # the interpreter and the standard library, before any gateway import
    parent, child = multiprocessing.get_context("spawn").Pipe()
    fakes = multiprocessing.get_context("spawn").Process(target=serve_fakes, args=(child, fake_api))
    fakes.start()
    try:
        api_url, rasa_url = parent.recv()
        result = asyncio.run(measure(api_url, rasa_url, args.messages))
    finally:
        parent.send("stop")
        fakes.join(10)
    total = rss_mb()
    loaded = [m for m in HEAVY_MODULES if m in sys.modules]
    assert not loaded, f"the gateway imported {loaded}"
    print(f"gateway overhead per message ({args.messages} in a row): median {result['median_ms']:.1f} ms, "
          f"p95 {result['p95_ms']:.1f} ms wall clock; {result['cpu_ms']:.1f} ms CPU")
    print(f"memory (RSS): gateway process {total:.0f} MB, of which {total - baseline:.0f} MB added by the "
          f"gateway over a bare interpreter ({baseline:.0f} MB)")


def main() -> None:
    run(measure, "testkit.fake_telegram:FakeTelegram", __doc__)


if __name__ == "__main__":
    main()
