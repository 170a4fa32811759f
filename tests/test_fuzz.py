"""Bad input, generated (tests/fuzz.py, fixed seeds): never a crash, never a 5xx, every well-formed
message answered, every malformed payload refused with a 4xx. Short runs here; bench/fuzz.py runs
10,000+ per channel."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from bot.channels.whatsapp import parse_notification
from tests import fuzz
from tests.fake_telegram import FakeRasa, text_update

SEED = 20261123


def post_raw(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def check_rest(webhook: str, bodies) -> dict[str, int]:
    """Send each body; assert the contract; count what happened."""
    seen = {"answered": 0, "refused": 0}
    for raw, well_formed in bodies:
        status, answer = post_raw(webhook, raw)
        assert status < 500, (status, raw[:200])
        if well_formed:
            assert status == 200, (status, raw[:200])
            messages = json.loads(answer)
            assert messages and (messages[0].get("text") or "").strip(), ("no answer", raw[:200])
            seen["answered"] += 1
        else:
            assert 400 <= status < 500, (status, raw[:200])
            seen["refused"] += 1
    return seen


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
    from tests.test_whatsapp import run, whatsapp

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

    seen = run(scenario())
    assert seen["answered"] > 100 and seen["refused"] > 50
    assert "could not be reached" not in caplog.text, "a message did not reach the assistant"


def test_telegram_gateway_fuzz(caplog):
    import random

    from tests.test_telegram import feed, gateway, new_chat, run

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

    assert run(scenario()) == 200
    assert "could not be reached" not in caplog.text, "a message did not reach the assistant"
