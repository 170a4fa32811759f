"""The regression suite of real webhook payloads (tests/payloads/, each naming its public source):
every payload goes through the real gateway (Telegram: PTB behind our webhook server; WhatsApp:
our aiohttp webhook, signed as Meta signs) to the real assistant, against the fake Bot API and
Graph API. Checked: the HTTP status, what reached the assistant, the reply (or that there was
none), and that no log line holds an id, number, username or text of the payload."""
from __future__ import annotations

import asyncio
import functools
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Optional

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.channels.relay import RasaRelay
from bot.channels.telegram import TelegramConfig, build_application
from bot.channels.telegram_webhook import SECRET_HEADER, WEBHOOK_PATH, webhook_app
from bot.channels.whatsapp import SIGNATURE_HEADER, WhatsAppConfig, WhatsAppGateway
from bot.config import LANGUAGES
from bot.knowledge import KnowledgeStore
from testkit import fake_graph as fake
from testkit.fake_graph import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeGraph, shown_text
from testkit.fake_telegram import BOT_USER, TOKEN, FakeTelegram
from tests.conftest import server_logs
from tests.payloads import items, load, personal_strings

SECRET = "payload-suite-secret-0123456789"
TELEGRAM = load("telegram")
WHATSAPP = load("whatsapp")
SETTLE_S = 0.4   # how long "nothing happened" is watched for


@functools.lru_cache(maxsize=1)
def content() -> KnowledgeStore:
    return KnowledgeStore()


class RecordingRelay(RasaRelay):
    """The real relay to the real assistant, keeping (message, metadata) of what it relayed."""

    def __init__(self, rasa_url: str) -> None:
        super().__init__(rasa_url, 10.0, knowledge=content())
        self.relayed: list[tuple[str, dict]] = []

    async def send(self, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        self.relayed.append((message, dict(metadata or {})))
        return await super().send(sender, message, metadata)


def texts_in_all_languages(key: str, **extra: str) -> set[str]:
    k = content().get()
    return {k.system_text(key, lang, **extra) for lang in LANGUAGES}


def check_relayed(doc: dict, relayed: list[tuple[str, dict]], shown: list[str]) -> None:
    """What reached the assistant and what the user was shown, against the payload's `expect`."""
    expect = doc["expect"]
    not_text = texts_in_all_languages("not_text")
    if expect in ("silent", "notice", "refused"):
        assert relayed == [], relayed
    elif expect == "answer":
        assert relayed and all(message.strip() for message, _ in relayed), relayed
        if doc.get("message"):
            assert relayed[0][0] == doc["message"], relayed
        assert shown and shown[0] not in not_text, shown
    else:
        assert relayed and all(message == "" and metadata.get("kind") for message, metadata in relayed), relayed
        assert shown and shown[0] in not_text, shown


def check_logs(doc: dict, logged: str) -> None:
    for secret in personal_strings(doc["payload"]):
        assert secret not in logged, f"a log line holds {secret!r}"


# ------------------------------------------------------------------------------------- Telegram
@asynccontextmanager
async def telegram(rasa_url: str) -> AsyncIterator[tuple[Any, FakeTelegram, RecordingRelay, str]]:
    async with FakeTelegram() as api:
        relay = RecordingRelay(rasa_url)
        app = build_application(TelegramConfig(token=TOKEN, api_base=api.url, rasa_url=rasa_url, mode="webhook",
                                               webhook_secret=SECRET), content(), relay)
        await app.initialize()
        await app.start()
        try:
            async with TestServer(webhook_app(app, SECRET)) as server:
                yield app, api, relay, str(server.make_url(WEBHOOK_PATH))
        finally:
            await app.stop()
            await app.shutdown()
            await app.post_shutdown(app)


def chat_of(update: dict) -> Optional[int]:
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if isinstance(update.get(kind), dict):
            return update[kind]["chat"]["id"]
    return None


@pytest.mark.parametrize("name,doc", TELEGRAM, ids=[name for name, _ in TELEGRAM])
def test_telegram_payload(assistant, caplog, name, doc):
    caplog.set_level(logging.INFO)
    update, expect = doc["payload"], doc["expect"]

    async def scenario() -> tuple[int, list, list[str]]:
        async with telegram(assistant.url) as (app, api, relay, url), aiohttp.ClientSession() as http:
            async with http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as answer:
                status = answer.status
            if expect in ("answer", "not_text", "notice"):
                await api.wait_for("sendMessage")
            await asyncio.sleep(SETTLE_S)
            return status, relay.relayed, [c.params["text"] for c in api.sent("sendMessage")]

    status, relayed, shown = asyncio.run(scenario())
    assert status == (400 if expect == "refused" else 200)
    check_relayed(doc, relayed, shown)
    if expect == "silent":
        assert shown == []
    if expect == "notice":
        link = f"https://t.me/{BOT_USER['username']}"
        assert len(shown) == 1 and shown[0] in texts_in_all_languages("group_notice", link=link), shown
    check_logs(doc, caplog.text)


# ------------------------------------------------------------------------------------- WhatsApp
def addresses(payload: dict) -> set[str]:
    found = {item.get("from") or item.get("from_user_id") for item in items(payload)}
    for entry in payload.get("entry", []):
        for change in entry.get("changes", []):
            found |= {c.get("user_id") for c in (change.get("value") or {}).get("contacts") or []}
    return {address for address in found if address}


@pytest.mark.parametrize("name,doc", WHATSAPP, ids=[name for name, _ in WHATSAPP])
def test_whatsapp_payload(assistant, caplog, name, doc):
    caplog.set_level(logging.INFO)
    payload, expect = doc["payload"], doc["expect"]

    async def scenario() -> tuple[int, list, list[dict]]:
        async with FakeGraph() as graph:
            config = WhatsAppConfig(verify_token=VERIFY_TOKEN, app_secret=APP_SECRET, access_token=ACCESS_TOKEN,
                                    phone_number_id=PHONE_NUMBER_ID, api_base=graph.url, rasa_url=assistant.url)
            relay = RecordingRelay(assistant.url)
            gateway = WhatsAppGateway(config, content=content(), relay=relay)
            try:
                async with TestServer(gateway.web_app()) as server, aiohttp.ClientSession() as http:
                    raw = fake.encode(payload)
                    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: fake.sign(raw)}
                    async with http.post(server.make_url("/whatsapp"), data=raw, headers=headers) as answer:
                        status = answer.status
                    await gateway.drain()
            finally:
                await gateway.aclose()
            return status, relay.relayed, graph.sent()

    status, relayed, sent = asyncio.run(scenario())
    assert status == (400 if expect == "refused" else 200)
    check_relayed(doc, relayed, [shown_text(body) for body in sent])
    if expect == "silent":
        assert sent == []
    for body in sent:
        assert fake.addressee(body) in addresses(payload), "a reply goes to the sender"
    for field, address in (doc.get("reply_to") or {}).items():
        assert sent and all(body.get(field) == address for body in sent), sent
    check_logs(doc, caplog.text)


# --------------------------------------------------------------------------------------- privacy
def test_the_suite_is_large_and_every_payload_names_its_source():
    assert len(TELEGRAM) + len(WHATSAPP) >= 60 and len(TELEGRAM) >= 20 and len(WHATSAPP) >= 20
    for _, doc in TELEGRAM + WHATSAPP:
        assert doc["source"].startswith("https://github.com/") and doc["where"] and doc["changed"]
    expectations = {doc["expect"] for _, doc in TELEGRAM + WHATSAPP}
    assert {"answer", "not_text", "silent", "notice"} <= expectations


def test_the_assistants_logs_hold_nothing_of_the_payloads(assistant):
    """Runs after the payload tests (file order): the action server's and Rasa's logs of the whole
    session hold no id, number, username or text of any payload."""
    logged = server_logs(assistant)
    for _, doc in TELEGRAM + WHATSAPP:
        check_logs(doc, logged)
