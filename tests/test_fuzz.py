"""Bad input, generated (testkit/fuzz.py, fixed seeds): never a crash, never a 5xx, every well-formed
message answered, every malformed payload refused with a 4xx. Short runs here; bench/fuzz.py runs
10,000+ per channel."""
from __future__ import annotations

import asyncio

import pytest

from bot.channels.whatsapp import parse_notification
from testkit import fuzz
from testkit.fake_telegram import FakeRasa, text_update
from testkit.fuzz import SEED, check_rest


def test_rest_channel_fuzz(assistant):
    seen = check_rest(assistant.webhook, fuzz.rest_bodies(SEED, 400))
    assert seen["answered"] > 150 and seen["refused"] > 100


def test_whatsapp_parser_fuzz_only_raises_value_error():
    parsed = 0
    for body, well_formed in fuzz.whatsapp_bodies(SEED, 3000):
        if isinstance(body, bytes):
            continue   # raw bytes are the webhook's job (next test)
        if well_formed:
            assert parse_notification(body), body
            parsed += 1
        else:
            with pytest.raises(ValueError):
                parse_notification(body)
    assert parsed > 1000


def test_whatsapp_webhook_fuzz(caplog):
    from testkit.whatsapp_gateway import whatsapp

    async def scenario() -> dict[str, int]:
        seen = {"answered": 0, "refused": 0}
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            for body, well_formed in fuzz.whatsapp_bodies(SEED + 1, 300):
                raw = body if isinstance(body, bytes) else fuzz.dumps(body)
                status = await wa.post(raw=raw)
                if not well_formed:
                    assert 400 <= status < 500, (status, raw[:200])
                    seen["refused"] += 1
                    continue
                assert status == 200, (status, raw[:200])
                await wa.gateway.drain()
                for number in {m["from"] for m in body["entry"][0]["changes"][0]["value"]["messages"]}:
                    assert wa.graph.sent(number), ("not answered", raw[:200])
                seen["answered"] += 1
        return seen

    seen = asyncio.run(scenario())
    assert seen["answered"] > 100 and seen["refused"] > 50
    assert "could not be reached" not in caplog.text, "a message did not reach the assistant"


def test_telegram_gateway_fuzz(caplog):
    import random

    from testkit.telegram_gateway import feed, gateway, new_chat

    async def scenario() -> int:
        rng = random.Random(SEED)
        answered = 0
        async with FakeRasa() as rasa, gateway(rasa.url) as (app, api):
            for _ in range(200):
                chat = new_chat()
                text = fuzz.text(rng)[:4096]
                await feed(app, text_update(chat, text, language_code=rng.choice(["pl", None, "xx"])))
                assert api.sent("sendMessage", chat), ("not answered", text)
                answered += 1
        return answered

    assert asyncio.run(scenario()) == 200
    assert "could not be reached" not in caplog.text, "a message did not reach the assistant"
