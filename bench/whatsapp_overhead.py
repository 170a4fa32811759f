"""What does the WhatsApp gateway add per message, and how much memory does it take?

The real gateway (its aiohttp webhook server) against the fake Graph API (testkit/fake_graph.py)
and a fake Rasa that answers instantly, both in a child process, so this process is the gateway:
checking the signature, parsing the notification, the HTTP hop to Rasa, rendering and sending the
reply, over loopback. The signed POST that plays Meta's part is made from this process too, so its
small cost is counted in. Meta's own delivery and Rasa's turn come on top.

    .venv/bin/python -m bench.whatsapp_overhead [--messages 500]
"""
from __future__ import annotations

import statistics
import time

from bench.telegram_overhead import percentile, run

QUESTION = "do I need Dutch health insurance?"


async def measure(api_url: str, rasa_url: str, messages: int, warmup: int = 50) -> dict[str, float]:
    import aiohttp
    from aiohttp import web

    from bot.channels.whatsapp import SIGNATURE_HEADER, WEBHOOK_PATH, WhatsAppConfig, WhatsAppGateway
    from testkit import fake_graph as fake

    gateway = WhatsAppGateway(WhatsAppConfig(
        verify_token=fake.VERIFY_TOKEN, app_secret=fake.APP_SECRET, access_token=fake.ACCESS_TOKEN,
        phone_number_id=fake.PHONE_NUMBER_ID, api_base=api_url, rasa_url=rasa_url))
    runner = web.AppRunner(gateway.web_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = "http://{}:{}{}".format(*runner.addresses[0][:2], WEBHOOK_PATH)
    try:
        async with aiohttp.ClientSession() as http:
            async def one(n: int) -> float:
                raw = fake.encode(fake.notification(fake.text(str(31_600_000_000 + n), QUESTION)))
                started = time.perf_counter()
                async with http.post(url, data=raw, headers={SIGNATURE_HEADER: fake.sign(raw)}) as answer:
                    assert answer.status == 200
                await gateway.drain()
                return (time.perf_counter() - started) * 1000

            for n in range(warmup):
                await one(n)
            cpu = time.process_time()
            wall = [await one(warmup + n) for n in range(messages)]
            cpu_ms = (time.process_time() - cpu) * 1000 / messages
    finally:
        await runner.cleanup()
        await gateway.aclose()
    return {"median_ms": statistics.median(wall), "p95_ms": percentile(wall, 0.95), "cpu_ms": cpu_ms}


def main() -> None:
    run(measure, "testkit.fake_graph:FakeGraph", __doc__)


if __name__ == "__main__":
    main()
