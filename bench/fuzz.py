"""The long bad-input run: 10,000+ generated inputs per channel (testkit/fuzz.py, fixed seeds).

REST: raw bodies against the real assistant (trained model, action server). WhatsApp: the
webhook gateway over HTTP (signed posts) with an instant fake Rasa and the fake Graph API (every
third sender known only by business-scoped user id), plus the notification parser alone.
Telegram: text updates through python-telegram-bot's Application with fake Telegram and Rasa.
The contract is the tests': no crash, no 5xx, every well-formed message answered, every
malformed payload refused with a 4xx; this prints counts and time.

    .venv/bin/python -m bench.fuzz [--count 10000]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid

from bot import services
from bot.training import ensure_model
from testkit import fuzz
from testkit.fake_telegram import FakeRasa, text_update
from testkit.fuzz import SEED, check_rest


async def whatsapp(count: int) -> dict[str, int]:
    from testkit.whatsapp_gateway import whatsapp as gateway

    seen = {"answered": 0, "refused": 0}
    senders: set[str] = set()
    async with FakeRasa() as rasa, gateway(rasa.url) as wa:
        for number, (body, well_formed) in enumerate(fuzz.whatsapp_bodies(SEED + 2, count)):
            if well_formed and number % 3 == 0:
                without_phone_numbers(body)   # every third sender is known by business-scoped id only
            raw = body if isinstance(body, bytes) else fuzz.dumps(body)
            status = await wa.post(raw=raw)
            expected = 200 if well_formed else 400
            assert status == expected, (status, raw[:200])
            seen["answered" if well_formed else "refused"] += 1
            if well_formed:
                messages = body["entry"][0]["changes"][0]["value"]["messages"]
                senders |= {m.get("from") or m["from_user_id"] for m in messages}
        await wa.gateway.drain()
        unanswered = [user for user in senders if not wa.graph.sent(user)]
        assert not unanswered, f"{len(unanswered)} senders got no reply"
    return seen


def without_phone_numbers(body: dict) -> None:
    """The notification as Meta sends it for users whose numbers are withheld: `from_user_id`
    instead of `from`, contacts with `user_id` instead of `wa_id`."""
    value = body["entry"][0]["changes"][0]["value"]
    for message in value["messages"]:
        message["from_user_id"] = "NL." + message.pop("from")
    value["contacts"] = [{"profile": {"name": "x"}, "user_id": "NL." + c["wa_id"]} for c in value.get("contacts", [])]


async def telegram(count: int) -> int:
    from testkit.telegram_gateway import feed, gateway, new_chat

    rng = random.Random(SEED + 3)
    async with FakeRasa() as rasa, gateway(rasa.url) as (app, api):
        for _ in range(count):
            chat = new_chat()
            await feed(app, text_update(chat, fuzz.text(rng)[:4096], language_code=rng.choice(["pl", None, "xx"])))
            assert api.sent("sendMessage", chat), "not answered"
    return count


def timed(label: str, job) -> None:
    started = time.monotonic()
    result = job()
    print(f"{label}: {result} in {time.monotonic() - started:.0f} s, no crash, no 5xx", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    timed("whatsapp webhook", lambda: asyncio.run(whatsapp(args.count)))
    timed("telegram gateway", lambda: {"answered": asyncio.run(telegram(args.count))})
    env = {"BOT_ID_SECRET": uuid.uuid4().hex, "BOT_USAGE_FILE": "off"}
    with services.running(ensure_model(), extra_env=env) as assistant:
        timed("rest channel", lambda: check_rest(assistant.webhook, fuzz.rest_bodies(SEED + 4, args.count)))


if __name__ == "__main__":
    main()
