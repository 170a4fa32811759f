"""Live handoff end to end: the real WhatsApp and Telegram gateways with handoff switched on, the
local fakes of Meta's Graph API and the Telegram Bot API (users' chats and the staff group with
topics), a real Redis for the cases, and the real assistant (trained model, action server, REST).

The WhatsApp gateway and the Telegram gateway share nothing but Redis, as in production, where
they are separate processes."""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Optional

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from telegram import Update
from telegram.ext import Application

from bot.channels.relay import RasaRelay
from bot.channels.telegram import TelegramConfig, build_application
from bot.channels.whatsapp import WhatsAppConfig, WhatsAppGateway
from bot.config import ConfigError
from bot.handoff import turns
from bot.handoff.cases import PREFIX, Cases
from bot.handoff.config import HandoffConfig, Hours
from bot.knowledge import KnowledgeStore
from bot.privacy import pseudonymise
from testkit import fake_graph as fake
from testkit.fake_graph import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeGraph, choices, shown_text
from testkit.fake_telegram import TOKEN, FakeTelegram, callback_update, staff_callback, staff_message, text_update
from tests.conftest import TEST_SECRET, rest_key, server_logs

pytestmark = pytest.mark.usefixtures("pseudonym_secret")

STAFF_CHAT = -1001_999_000_001
ANNA, BEN = 9_001, 9_002          # staff members' Telegram ids
STAFF_LANG = "nl"
_numbers = iter(range(31_655_000_001, 31_656_000_000))
_chats = iter(range(880_001, 890_000))


def new_number() -> str:
    return str(next(_numbers))


@functools.lru_cache(maxsize=1)
def content() -> KnowledgeStore:
    return KnowledgeStore()


def k():
    return content().get()


def staff_text(key: str, **values: str) -> str:
    return k().handoff_text("staff", key, STAFF_LANG, **values)


def user_text(key: str, lang: str) -> str:
    return k().handoff_text("user", key, lang)


def run(scenario: Any) -> Any:
    return asyncio.run(scenario)


@dataclass
class World:
    """Both gateways, the fakes they talk to, and the shared Redis."""

    app: Application            # the Telegram gateway: Telegram users and the staff group
    api: FakeTelegram
    wa: WhatsAppGateway          # the WhatsApp gateway
    graph: FakeGraph
    http: aiohttp.ClientSession
    server: TestServer
    redis: Any

    @property
    def desk(self):
        return _desk_of(self.app)

    async def whatsapp(self, *messages: dict) -> None:
        """Meta delivers these messages (signed); wait until they are answered."""
        raw = fake.encode(fake.notification(*messages))
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": fake.sign(raw)}
        async with self.http.post(self.server.make_url("/whatsapp"), data=raw, headers=headers) as answer:
            assert answer.status == 200
        await self.wa.drain()

    async def telegram(self, update: dict) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    def staff_texts(self) -> list[str]:
        return self.api.texts(STAFF_CHAT)

    def staff_calls(self) -> str:
        """Everything the bot sent to the staff group, as one string (to look for ids)."""
        calls = [c.params for c in self.api.calls if c.params.get("chat_id") == STAFF_CHAT]
        return json.dumps(calls, ensure_ascii=False)

    def card_button(self, title_key: str) -> str:
        """The callback data of a staff button, from the newest staff message that has it."""
        title = k().handoff_text("staff_buttons", title_key, STAFF_LANG)
        for call in reversed(self.api.sent("sendMessage", STAFF_CHAT)):
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard") or []:
                if row[0]["text"] == title:
                    return row[0]["callback_data"]
        raise AssertionError(f"no staff button {title!r}")

    def thread(self) -> int:
        [thread] = self.api.topics
        return thread

    async def press(self, staff: int, data: str, name: str = "Anna") -> None:
        await self.telegram(staff_callback(STAFF_CHAT, self.thread(), staff, data, first_name=name))

    async def write(self, staff: int, text: Optional[str], thread: Optional[int] = None, **content: Any) -> None:
        await self.telegram(staff_message(STAFF_CHAT, thread or self.thread(), staff, text, **content))

    def handoff_keys(self) -> list[str]:
        return sorted(key.decode() for key in self.redis.keys(f"{PREFIX}*"))


def _desk_of(app: Application):
    from bot.handoff.desk import Desk

    for handlers in app.handlers.values():
        for handler in handlers:
            owner = getattr(handler.callback, "__self__", None)
            if isinstance(owner, Desk):
                return owner
    raise AssertionError("no desk: handoff is not switched on")


def handoff_config(redis_server: dict, api: FakeTelegram, graph: FakeGraph, **overrides: Any) -> HandoffConfig:
    values = dict(staff_chat=STAFF_CHAT, hours=Hours.parse("mon-sun 00:00-24:00"), telegram_token=TOKEN,
                  secret=TEST_SECRET.encode(), redis_host=redis_server["host"], redis_port=redis_server["port"],
                  telegram_api_base=api.url, staff_language=STAFF_LANG, sweep_interval_s=3600,
                  whatsapp_api_base=graph.url, whatsapp_phone_number_id=PHONE_NUMBER_ID, whatsapp_token=ACCESS_TOKEN)
    values.update(overrides)
    return HandoffConfig(**values)


@asynccontextmanager
async def world(assistant_url: str, redis_server: dict, **overrides: Any) -> AsyncIterator[World]:
    redis_server["client"].flushdb()
    async with FakeTelegram() as api, FakeGraph() as graph:
        config = handoff_config(redis_server, api, graph, **overrides)
        app = build_application(TelegramConfig(token=TOKEN, api_base=api.url, rasa_url=assistant_url, handoff=config),
                                content())
        await app.initialize()
        await app.post_init(app)    # the staff group's check, the sweeper
        wa_config = WhatsAppConfig(verify_token=VERIFY_TOKEN, app_secret=APP_SECRET, access_token=ACCESS_TOKEN,
                                   phone_number_id=PHONE_NUMBER_ID, api_base=graph.url, rasa_url=assistant_url,
                                   handoff=config)
        wa = WhatsAppGateway(wa_config, content=content(), relay=RasaRelay(assistant_url, 10.0, knowledge=content()))
        try:
            async with TestServer(wa.web_app()) as server, aiohttp.ClientSession() as http:
                yield World(app, api, wa, graph, http, server, redis_server["client"])
        finally:
            await wa.aclose()
            await app.shutdown()
            await app.post_shutdown(app)


def tap(body: dict, number: str, title: str) -> dict:
    choice = next(c for c in choices(body) if c["title"] == title)
    return fake.button_reply(number, choice["id"], choice["title"])


def offer_of(graph: FakeGraph, number: str, lang: str) -> dict:
    return next(body for body in graph.sent(number) if shown_text(body) == user_text("offer", lang))


async def open_case(w: World, number: str, lang: str = "pl", ask: str = "chcę porozmawiać z człowiekiem") -> None:
    """A WhatsApp user asks for a person and consents."""
    await w.whatsapp(fake.text(number, ask))
    offer = offer_of(w.graph, number, lang)
    await w.whatsapp(tap(offer, number, k().handoff_text("buttons", "start", lang)))


# ------------------------------------------------------------------------------ acceptance
def test_a_polish_whatsapp_user_is_handed_to_staff_in_the_telegram_staff_group(assistant, redis_server, caplog):
    number = new_number()
    danger = "pomocy, on mnie bije"
    private = ["czy muszę pokazać dowód?", danger, "Cześć, tu Anna. Policja może poprosić o dowód."]
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        async with world(assistant.url, redis_server) as w:
            # the user asks for a person: today's referral, then the offer with what staff see
            await w.whatsapp(fake.text(number, "chcę porozmawiać z człowiekiem"))
            shown = w.graph.shown(number)
            assert shown[0].startswith(k().answer_text("help_human", "pl")[:40]), shown
            offer = offer_of(w.graph, number, "pl")
            assert "nie widzi twojego numeru" in shown_text(offer).lower()
            assert not w.api.topics, "no case before consent"

            # consent: a case (forum topic) in the staff group; the user is told to wait
            await w.whatsapp(tap(offer, number, k().handoff_text("buttons", "start", "pl")))
            assert w.graph.shown(number)[-1] == user_text("connecting", "pl")
            thread = w.thread()
            assert w.api.topics[thread] == staff_text("topic", case="1", language="Polski (pl)", channel="WhatsApp")
            card = w.staff_texts()[0]
            assert card.startswith(staff_text("card", case="1", language="Polski (pl)", channel="WhatsApp",
                                              answers=k().title("help_human", STAFF_LANG), window="")[:60])
            assert k().title("help_human", STAFF_LANG) in card and "WhatsApp: je kunt antwoorden tot" in card
            assert "(nog 23 u 5" in card, "the time left to reply on WhatsApp"

            # the user's question goes to staff (not answered by the bot), with the suggested answer
            before = len(w.graph.sent(number))
            await w.whatsapp(fake.text(number, private[0]))
            assert len(w.graph.sent(number)) == before, "the bot does not answer while staff have the case"
            relayed, suggestion = w.staff_texts()[-2:]
            assert relayed.startswith(staff_text("user_message", text=private[0]))
            assert "Nog 23 u 5" in relayed
            assert suggestion.startswith(staff_text("suggestion", title=k().title("check_id", STAFF_LANG),
                                                    text=k().answer_text("check_id", STAFF_LANG))[:80])

            # writing before claiming is refused with a note; then two staff claim at the same moment
            await w.write(BEN, "Hallo?")
            assert w.staff_texts()[-1] == staff_text("not_claimed")
            claim = w.card_button("claim")
            await asyncio.gather(w.press(ANNA, claim, "Anna"), w.press(BEN, claim, "Ben"))
            claimed = [t for t in w.staff_texts() if t in (staff_text("claimed", staff="Anna"),
                                                           staff_text("claimed", staff="Ben"))]
            assert len(claimed) == 1, "exactly one of two simultaneous claims wins"
            winner, loser = (ANNA, BEN) if claimed[0] == staff_text("claimed", staff="Anna") else (BEN, ANNA)
            winner_name = "Anna" if winner == ANNA else "Ben"
            refused = [c for c in w.api.sent("answerCallbackQuery") if c.params.get("text")]
            assert [c.params["text"] for c in refused] == [staff_text("already_claimed", staff=winner_name)]
            assert w.graph.shown(number).count(user_text("joined", "pl")) == 1
            await w.press(loser, claim, "x")   # a late press changes nothing
            assert w.graph.shown(number).count(user_text("joined", "pl")) == 1

            # the claimer's reply reaches the user on WhatsApp; the other's is refused with a note
            await w.write(winner, private[2])
            assert w.graph.shown(number)[-1] == private[2]
            await w.write(loser, "Ik neem het over")
            assert w.staff_texts()[-1] == staff_text("not_yours", staff=winner_name)
            assert "Ik neem het over" not in w.graph.shown(number)
            await w.write(winner, None, sticker={"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
                                                 "is_animated": False, "is_video": False, "type": "regular"})
            assert w.staff_texts()[-1] == staff_text("not_text")

            # the suggested answer, sent with one tap, in the user's language
            await w.press(winner, w.card_button("send"), winner_name)
            assert w.graph.shown(number)[-1].startswith(k().answer_text("check_id", "pl")[:40])
            assert w.staff_texts()[-1] == staff_text("suggestion_sent", title=k().title("check_id", STAFF_LANG))

            # danger during the handoff: 112 first, at once; staff see the message with a safety note
            before = len(w.graph.sent(number))
            await w.whatsapp(fake.text(number, danger))
            first = w.graph.shown(number)[before]
            assert first.startswith(k().answer_text("emergency", "pl")[:30]) and "112" in first
            alert = w.staff_texts()[-1]
            assert alert.startswith(staff_text("safety", answers=k().title("emergency", STAFF_LANG)))
            assert danger in alert

            # the staff group never sees the number; the case store keeps it only encrypted
            assert number not in w.staff_calls()
            dump = str({key: w.redis.hgetall(key) if w.redis.type(key) == b"hash" else w.redis.type(key)
                        for key in w.handoff_keys()})
            assert "address" in dump
            assert number not in dump and "pomocy" not in dump, "no raw id and no text in Redis"

            # forget me: the case, its topic (the transcript) and the conversation are deleted
            await w.whatsapp(fake.text(number, "zapomnij o mnie"))
            confirm = w.graph.sent(number)[-1]
            assert shown_text(confirm) == k().system_text("forget_confirm", "pl")
            await w.whatsapp(tap(confirm, number, k().button("yes", "pl")))
            assert w.graph.shown(number)[-1].startswith(k().answer_text("forget_me", "pl")[:40])
            assert w.api.deleted_topics == [thread] and not w.api.topics
            assert w.handoff_keys() == [f"{PREFIX}next"], "nothing of the case is left"
            # afterwards the user talks to the bot again
            await w.whatsapp(fake.text(number, "czy muszę pokazać dowód?"))
            assert w.graph.shown(number)[-1].startswith(k().answer_text("check_id", "pl")[:40])

    run(scenario())
    after = assistant.tracker(rest_key(pseudonymise("whatsapp", number)))
    forgotten = ("chcę porozmawiać z człowiekiem", danger)
    assert not [e for e in after["events"] if e["event"] == "user" and e.get("text") in forgotten]
    for logs in (caplog.text, server_logs(assistant)):
        for secret in [number, *private, TOKEN, ACCESS_TOKEN]:
            assert secret not in logs, secret


def test_outside_hours_the_user_gets_the_referral_and_no_case_is_opened(assistant, redis_server):
    import datetime as dt
    from zoneinfo import ZoneInfo

    later = (dt.datetime.now(ZoneInfo("Europe/Amsterdam")).hour + 2) % 24
    closed = Hours.parse(f"mon-sun {later:02d}:00-{later:02d}:30")

    async def scenario() -> None:
        async with world(assistant.url, redis_server, hours=closed) as w:
            number = new_number()
            await w.whatsapp(fake.text(number, "chcę porozmawiać z człowiekiem"))
            shown = w.graph.shown(number)
            assert shown[0] == user_text("outside_hours", "pl")
            assert shown[1].startswith(k().answer_text("help_human", "pl")[:40])
            assert user_text("offer", "pl") not in shown
            # an old consent button outside hours: the referral again, no case
            await w.whatsapp(fake.button_reply(number, turns.start_payload(), "x"))
            assert w.graph.shown(number)[-2] == user_text("outside_hours", "pl")
            assert not w.api.topics and not w.api.sent("sendMessage", STAFF_CHAT)

    run(scenario())


def test_a_case_nobody_claims_gets_the_referral_and_stays_open(assistant, redis_server):
    async def scenario() -> None:
        async with world(assistant.url, redis_server, claim_timeout_s=0.0) as w:
            number = new_number()
            await open_case(w, number, "pl")
            await w.desk.sweep()
            shown = w.graph.shown(number)
            assert shown[-2:][0] == user_text("unclaimed", "pl")
            assert shown[-1].startswith(k().answer_text("help_human", "pl")[:40])
            assert w.staff_texts()[-1] == staff_text("unclaimed", minutes="0")
            await w.desk.sweep()
            assert w.graph.shown(number).count(user_text("unclaimed", "pl")) == 1, "the referral is sent once"
            # the case stays open: staff can still claim it and answer
            await w.press(ANNA, w.card_button("claim"))
            await w.write(ANNA, "Jestem, przepraszam za czekanie.")
            assert w.graph.shown(number)[-2:] == [user_text("joined", "pl"), "Jestem, przepraszam za czekanie."]

    run(scenario())


def test_an_unreachable_staff_group_gives_the_referral_never_silence(assistant, redis_server):
    async def scenario() -> None:
        async with world(assistant.url, redis_server) as w:
            number = new_number()
            w.api.fail_next("createForumTopic", {"ok": False, "error_code": 400,
                                                 "description": "Bad Request: not enough rights"}, status=400)
            await open_case(w, number, "pl")
            shown = w.graph.shown(number)
            assert shown[-3:-1] == [user_text("connecting", "pl"), user_text("unreachable", "pl")]
            assert shown[-1].startswith(k().answer_text("help_human", "pl")[:40])
            assert w.handoff_keys() == [f"{PREFIX}next"], "nothing is left of the failed case"
            # the next try works; if the staff group then fails for a message, the referral again
            await w.whatsapp(fake.button_reply(number, turns.start_payload(), "x"))
            assert w.api.topics
            w.api.fail_next("sendMessage", {"ok": False, "error_code": 403, "description": "Forbidden"}, status=403)
            await w.whatsapp(fake.text(number, "halo?"))
            assert w.graph.shown(number)[-2] == user_text("unreachable", "pl")

    run(scenario())


def test_a_late_whatsapp_reply_is_refused_with_a_note_to_staff(assistant, redis_server):
    async def scenario() -> None:
        async with world(assistant.url, redis_server) as w:
            number = new_number()
            await open_case(w, number, "pl")
            await w.press(ANNA, w.card_button("claim"))
            sent = len(w.graph.sent(number))
            w.redis.hset(f"{PREFIX}case:1", "last_user", time.time() - 24 * 3600 - 5)
            await w.write(ANNA, "Sorry for the late answer")
            assert len(w.graph.sent(number)) == sent, "nothing sent after WhatsApp's 24 hours"
            assert w.staff_texts()[-1] == staff_text("late")
            # the user writes again: the window opens again and the reply goes
            await w.whatsapp(fake.text(number, "jesteś tam?"))
            await w.write(ANNA, "Tak, jestem.")
            assert w.graph.shown(number)[-1] == "Tak, jestem."

    run(scenario())


def test_a_telegram_user_stops_and_staff_close_another_case(assistant, redis_server):
    first, second = next(_chats), next(_chats)

    async def scenario() -> None:
        async with world(assistant.url, redis_server) as w:
            await w.telegram(text_update(first, "/help", language_code="es", username="very_private_name"))
            offer = next(c for c in w.api.sent("sendMessage", first) if c.params["text"] == user_text("offer", "es"))
            [button] = offer.params["reply_markup"]["inline_keyboard"][0]
            await w.telegram(callback_update(first, button["callback_data"], language_code="es"))
            assert w.api.texts(first)[-1] == user_text("connecting", "es")
            topic = staff_text("topic", case="1", language="Español (es)", channel="Telegram")
            assert w.api.topics[w.thread()] == topic
            assert staff_text("window_telegram") in w.staff_texts()[0]
            assert str(first) not in w.staff_calls(), "no chat id"
            assert "very_private" not in w.staff_calls(), "no username"
            await w.press(ANNA, w.card_button("claim"))
            assert w.api.texts(first)[-1] == user_text("joined", "es")
            await w.write(ANNA, "Hola, soy Anna.")
            assert w.api.texts(first)[-1] == "Hola, soy Anna."
            await w.telegram(text_update(first, "Stop", language_code="es"))
            assert w.api.texts(first)[-1] == user_text("ended_by_user", "es")
            assert w.staff_texts()[-1] == staff_text("ended_by_user")
            await w.write(ANNA, "¿Sigues ahí?")
            assert w.staff_texts()[-1] == staff_text("case_closed")
            await w.telegram(text_update(first, "¿tengo que tener seguro médico en holanda?", language_code="es"))
            assert w.api.texts(first)[-1].startswith(k().answer_text("health_insurance_must", "es")[:30])

            # another user's case, closed by staff: the user is told and is back with the bot
            await w.telegram(text_update(second, "/help", language_code="ro"))
            await w.telegram(callback_update(second, turns.start_payload(), language_code="ro"))
            thread = max(w.api.topics)
            await w.telegram(staff_callback(STAFF_CHAT, thread, BEN, w.card_button("close"), "Ben"))
            assert w.api.texts(second)[-1] == user_text("ended_by_staff", "ro")
            assert w.staff_texts()[-1] == staff_text("closed_by", staff="Ben")
            assert not w.redis.exists(f"{PREFIX}user:{pseudonymise('telegram', str(second))}")

    run(scenario())


def test_cases_are_deleted_with_their_topics_when_the_retention_ends(assistant, redis_server):
    async def scenario() -> None:
        async with world(assistant.url, redis_server, retention_s=1.0) as w:
            number = new_number()
            await open_case(w, number, "pl")
            thread = w.thread()
            await w.desk.sweep()
            assert w.api.topics, "not yet"
            await asyncio.sleep(1.2)
            await w.desk.sweep()
            assert w.api.deleted_topics == [thread]
            assert w.handoff_keys() == [f"{PREFIX}next"]
            await w.whatsapp(fake.text(number, "czy muszę pokazać dowód?"))
            assert w.graph.shown(number)[-1].startswith(k().answer_text("check_id", "pl")[:40]), "back with the bot"

    run(scenario())


def test_two_whatsapp_replicas_share_the_cases(assistant, redis_server):
    async def scenario() -> None:
        async with world(assistant.url, redis_server) as w:
            number = new_number()
            await open_case(w, number, "pl")
            config = w.wa.config
            relay = RasaRelay(assistant.url, 10.0, knowledge=content())
            other = WhatsAppGateway(config, content=content(), relay=relay, graph=w.wa.graph)
            try:
                async with TestServer(other.web_app()) as server:
                    raw = fake.encode(fake.notification(fake.text(number, "druga wiadomość")))
                    async with w.http.post(server.make_url("/whatsapp"), data=raw,
                                           headers={"X-Hub-Signature-256": fake.sign(raw)}) as answer:
                        assert answer.status == 200
                    await other.drain()
            finally:
                await other.handoff.aclose()
                await other.relay.aclose()
            relayed = staff_text("user_message", text="druga wiadomość")
            assert any(text.startswith(relayed) for text in w.staff_texts()), "replica B relays to replica A's case"

    run(scenario())


# ----------------------------------------------------------------------------- off by default
def test_handoff_is_off_by_default_and_its_configuration_is_checked(monkeypatch):
    for name in ("BOT_HANDOFF_CHAT", "BOT_HANDOFF_HOURS", "REDIS_HOST", "BOT_HANDOFF_STAFF_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert HandoffConfig.from_env() is None
    assert TelegramConfig.from_env().handoff is None
    monkeypatch.setenv("BOT_HANDOFF_CHAT", "12345")
    with pytest.raises(ConfigError, match="negative number"):
        HandoffConfig.from_env()
    monkeypatch.setenv("BOT_HANDOFF_CHAT", str(STAFF_CHAT))
    with pytest.raises(ConfigError) as missing:
        HandoffConfig.from_env()
    assert "BOT_HANDOFF_HOURS is not set" in str(missing.value) and "REDIS_HOST is not set" in str(missing.value)
    monkeypatch.setenv("BOT_HANDOFF_HOURS", "weekdays 9-5")
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("BOT_ID_SECRET", TEST_SECRET)
    with pytest.raises(ConfigError, match="mon-fri 09:00-17:00"):
        HandoffConfig.from_env()
    monkeypatch.setenv("BOT_HANDOFF_HOURS", "mon-fri 09:00-17:00, sat 10:00-14:00")
    config = HandoffConfig.from_env()
    assert config.staff_chat == STAFF_CHAT and config.claim_timeout_s == 600 and config.staff_language == "nl"
    assert TOKEN not in repr(config) and TEST_SECRET not in repr(config)


def test_hours():
    hours = Hours.parse("mon-fri 09:00-17:00, sat 10:00-14:00, sun-mon 22:00-24:00", "Europe/Amsterdam")

    def at(day: int, hour: int, minute: int = 0) -> float:   # 2026-12-07 is a Monday
        import datetime as dt

        return dt.datetime(2026, 12, 7 + day, hour, minute, tzinfo=hours.zone).timestamp()

    assert hours.open_at(at(0, 9)) and hours.open_at(at(4, 16, 59)) and not hours.open_at(at(4, 17))
    assert hours.open_at(at(5, 10)) and not hours.open_at(at(5, 15)) and not hours.open_at(at(6, 12))
    assert hours.open_at(at(6, 23, 30)) and hours.open_at(at(0, 23)) and not hours.open_at(at(2, 23))
    for bad in ("", "mon 17:00-09:00", "monday 09:00-17:00", "mon-fri 9-17", "mon 25:00-26:00"):
        with pytest.raises(ValueError):
            Hours.parse(bad)


# --------------------------------------------------------------------------------- the store
def test_only_one_of_many_simultaneous_claims_wins_and_addresses_are_sealed(redis_server):
    async def scenario() -> None:
        redis_server["client"].flushdb()
        cases = Cases.connect(redis_server["host"], redis_server["port"], "", TEST_SECRET.encode(), 3600)
        other = Cases.connect(redis_server["host"], redis_server["port"], "", TEST_SECRET.encode(), 3600)
        try:
            assert await cases.reserve("wh-user") and not await other.reserve("wh-user")
            number = await cases.next_number()
            case = await cases.create(number, "wh-user", "whatsapp", "to:31600000000", "pl", 77)
            assert "31600000000" not in repr(case) and "wh-user" not in repr(case)
            assert not await other.reserve("wh-user"), "one open case per user"
            results = await asyncio.gather(*(store.claim(number, staff, f"staff {staff}")
                                             for staff in range(20) for store in (cases, other)))
            assert sum(won for won, _, _ in results) == 1
            holders = {holder for _, holder, _ in results}
            assert len(holders) == 1
            assert (await other.get(number)).address == "to:31600000000"
            assert "31600000000" not in str(redis_server["client"].hgetall(f"{PREFIX}case:{number}"))
            wrong = Cases.connect(redis_server["host"], redis_server["port"], "", b"another-secret-0123456789", 3600)
            assert await wrong.get(number) is None, "without the secret the address cannot be read"
            await wrong.aclose()
            assert await cases.close(number) and not await other.close(number)
            assert await cases.for_user("wh-user") is None
        finally:
            await cases.aclose()
            await other.aclose()

    run(scenario())
