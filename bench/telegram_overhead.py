"""What does the Telegram gateway add per message, and how much memory does it take?

Real python-telegram-bot code against the fake Bot API (tests/fake_telegram.py) and a fake Rasa
that answers instantly, so what is measured is the gateway alone: parsing the update, the HTTP
hop to Rasa, "typing…", building the keyboard and sending the reply (all over loopback; the real
Telegram round trip, ~50-150 ms from the Netherlands, comes on top).

    .venv/bin/python -m bench.telegram_overhead [--messages 500]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from tests.fake_telegram import TOKEN, FakeRasa, FakeTelegram, text_update

HEAVY_MODULES = ("rasa", "tensorflow", "sanic", "lingua", "spacy")


def rss_mb() -> float:
    """Resident memory of this process (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(messages: int, warmup: int = 50, concurrent: int = 200) -> dict[str, float]:
    async with FakeTelegram() as api, FakeRasa() as rasa:
        baseline = rss_mb()   # interpreter, aiohttp and the two fakes: not the gateway's
        from telegram import Update

        from bot.channels.telegram import TelegramConfig, build_application

        app = build_application(TelegramConfig(token=TOKEN, api_base=api.url, rasa_url=rasa.url))
        await app.initialize()
        try:
            async def one(chat: int) -> float:
                update = Update.de_json(text_update(chat, "do I need Dutch health insurance?"), app.bot)
                started = time.perf_counter()
                await app.process_update(update)
                return (time.perf_counter() - started) * 1000

            for n in range(warmup):
                await one(n)
            sequential = [await one(n) for n in range(messages)]
            started = time.perf_counter()
            await asyncio.gather(*(one(n) for n in range(concurrent)))
            per_second = concurrent / (time.perf_counter() - started)
            added = rss_mb() - baseline
        finally:
            await app.shutdown()
            await app.post_shutdown(app)
    loaded = [m for m in HEAVY_MODULES if m in sys.modules]
    assert not loaded, f"the gateway imported {loaded}"
    return {"median_ms": statistics.median(sequential), "p95_ms": percentile(sequential, 0.95),
            "messages_per_s": per_second, "baseline_mb": baseline, "added_mb": added,
            "total_mb": baseline + added}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    result = asyncio.run(measure(args.messages))
    print(f"gateway overhead per message ({args.messages} sequential): median {result['median_ms']:.1f} ms, "
          f"p95 {result['p95_ms']:.1f} ms")
    print(f"200 chats at once: {result['messages_per_s']:.0f} messages/s")
    print(f"memory (RSS): gateway adds {result['added_mb']:.0f} MB to {result['baseline_mb']:.0f} MB "
          f"(interpreter, aiohttp, the fakes); process total {result['total_mb']:.0f} MB")


if __name__ == "__main__":
    main()
