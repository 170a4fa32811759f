"""How many payloads of the suite a version of the gateways mishandles (by hand, a few seconds).

Runs every payload through the gateways importable as `bot` (the working tree, or an older
version put first on PYTHONPATH) with an instant fake Rasa and the fake platform APIs, and checks
the outcome against the payload's `expect` (see tests/payloads/__init__.py): HTTP status, what
reached the assistant, and who got a reply. It uses only what every version of the gateways has
(`WhatsAppGateway(config, relay=...)`, `build_application(config)`, `webhook_app`).

    .venv/bin/python -m tests.payloads.measure
    # the gateways before a change:
    git archive <commit> bot | tar -x -C /tmp/old && PYTHONPATH=/tmp/old .venv/bin/python -m tests.payloads.measure
"""
from __future__ import annotations

import asyncio
import sys
from collections import Counter

import aiohttp
from aiohttp.test_utils import TestServer

from testkit import fake_graph as fake
from testkit.fake_telegram import BOT_USER, TOKEN, FakeRasa, FakeTelegram
from tests.payloads import items, load, print_counts

SECRET = "payload-suite-secret-0123456789"
SETTLE_S = 0.3


def verdict(doc: dict, status: int, relayed: list[dict], sent_to: list[str], shown: list[str],
            senders: set[str]) -> str:
    """"" when the outcome is what `expect` asks, else what went wrong."""
    expect = doc["expect"]
    if status != (400 if expect == "refused" else 200):
        return f"HTTP {status}"
    messages = [(body.get("message", ""), (body.get("metadata") or {}).get("kind")) for body in relayed]
    if expect in ("silent", "notice", "refused"):
        if messages:
            return f"relayed {len(messages)} message(s)"
        if expect == "silent" and shown:
            return f"sent {len(shown)} reply(ies)"
        if expect == "notice" and (len(shown) != 1 or f"t.me/{BOT_USER['username']}" not in shown[0]):
            return f"no single group notice ({len(shown)} messages)"
        return ""
    if not messages:
        return "nothing reached the assistant"
    if expect == "answer" and not all(message.strip() for message, _ in messages):
        return "relayed as not-text (caption or text not read)"
    if expect == "answer" and doc.get("message") and messages[0][0] != doc["message"]:
        return "relayed another text"
    if expect == "not_text" and not all(message == "" and kind for message, kind in messages):
        return "relayed as text"
    if not sent_to:
        return "no reply"
    if senders and not set(sent_to) <= senders:
        return "replied to someone else"
    return ""


async def whatsapp(doc: dict) -> str:
    from bot.channels.whatsapp import SIGNATURE_HEADER, WhatsAppConfig, WhatsAppGateway

    async with FakeRasa() as rasa, FakeGraph() as graph:
        config = WhatsAppConfig(verify_token=fake.VERIFY_TOKEN, app_secret=fake.APP_SECRET,
                                access_token=fake.ACCESS_TOKEN, phone_number_id=fake.PHONE_NUMBER_ID,
                                api_base=graph.url, rasa_url=rasa.url)
        gateway = WhatsAppGateway(config)
        try:
            async with TestServer(gateway.web_app()) as server, aiohttp.ClientSession() as http:
                raw = fake.encode(doc["payload"])
                async with http.post(server.make_url("/whatsapp"), data=raw,
                                     headers={SIGNATURE_HEADER: fake.sign(raw)}) as answer:
                    status = answer.status
                await gateway.drain()
        finally:
            await gateway.aclose()
        sent = graph.sent()
        senders = {item.get("from") or item.get("from_user_id") for item in items(doc["payload"])}
        for entry in doc["payload"].get("entry", []):
            for change in entry.get("changes", []):
                senders |= {c.get("user_id") for c in (change.get("value") or {}).get("contacts") or []}
        problem = verdict(doc, status, rasa.bodies, [fake.addressee(b) for b in sent],
                          [fake.shown_text(b) for b in sent], {s for s in senders if s})
        for field, address in (doc.get("reply_to") or {}).items():
            if not problem and not all(body.get(field) == address for body in sent):
                problem = f"reply not addressed by {field}"
        return problem


FakeGraph = fake.FakeGraph


async def telegram(doc: dict) -> str:
    from bot.channels.telegram import TelegramConfig, build_application
    from bot.channels.telegram_webhook import SECRET_HEADER, webhook_app

    async with FakeRasa() as rasa, FakeTelegram() as api:
        app = build_application(TelegramConfig(token=TOKEN, api_base=api.url, rasa_url=rasa.url, mode="webhook",
                                               webhook_secret=SECRET))
        await app.initialize()
        await app.start()
        try:
            async with TestServer(webhook_app(app, SECRET)) as server, aiohttp.ClientSession() as http:
                async with http.post(server.make_url("/telegram"), json=doc["payload"],
                                     headers={SECRET_HEADER: SECRET}) as answer:
                    status = answer.status
                for _ in range(int(5 / 0.05)):   # until the update has been handled (at most 5 s)
                    await asyncio.sleep(0.05)
                    if app.update_queue.empty() and api.sent("sendMessage"):
                        break
                await asyncio.sleep(SETTLE_S)
        finally:
            await app.stop()
            await app.shutdown()
            await app.post_shutdown(app)
        sent = api.sent("sendMessage")
        return verdict(doc, status, rasa.bodies, [str(c.params.get("chat_id")) for c in sent],
                       [c.params["text"] for c in sent], set())


async def measure() -> dict[str, Counter]:
    results: dict[str, Counter] = {}
    for channel, check in (("telegram", telegram), ("whatsapp", whatsapp)):
        counts: Counter = Counter()
        for name, doc in load(channel):
            try:
                problem = await check(doc)
            except Exception as err:  # noqa: BLE001 - an old version may not cope at all
                problem = f"crashed ({type(err).__name__})"
            counts["payloads"] += 1
            if problem:
                counts["mishandled"] += 1
                counts[f"{doc['expect']}: {problem}"] += 1
                print(f"{channel}/{name}: expected {doc['expect']}, {problem}", file=sys.stderr)
        results[channel] = counts
    return results


def main() -> None:
    import logging

    logging.basicConfig(level=logging.CRITICAL)
    for channel, counts in asyncio.run(measure()).items():
        print_counts(channel, counts)


if __name__ == "__main__":
    main()
