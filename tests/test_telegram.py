"""The Telegram gateway: real python-telegram-bot code against a fake Bot API (testkit/fake_telegram.py)
and the real assistant (trained model, action server, REST channel). No internet, no real token."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Optional

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from telegram import Update

from bot import replies
from bot.channels.relay import RasaRelay, split_text
from bot.channels.telegram import ConfigError, PerChatOrder, TelegramConfig
from bot.channels.telegram_replies import COMMANDS, ButtonPayloads, send_replies
from bot.channels.telegram_webhook import SECRET_HEADER, WEBHOOK_PATH, webhook_app
from bot.config import LANGUAGES
from bot.knowledge import TELEGRAM_TEXT_LIMIT
from bot.privacy import pseudonymise
from bot.services import free_port
from testkit.fake_telegram import (
    BOT_USER,
    LOCATION,
    PHOTO,
    STICKER,
    TOKEN,
    VOICE,
    FakeRasa,
    FakeTelegram,
    callback_update,
    channel_post_update,
    content_update,
    edited_update,
    group_update,
    text_update,
)
from testkit.telegram_gateway import feed, gateway, new_chat
from tests.conftest import rest_key, server_logs

SECRET = "webhook-secret-0123456789abcdef"
PREFIX = 40   # characters of an expected text compared (unreviewed answers get a note appended)
#: One question per language that the trained model answers reliably (as in test_conversation).
QUESTIONS = {
    "nl": ("hoe doe ik aangifte bij de politie?", "report_how"),
    "en": ("can I report a crime without giving my name?", "report_anonymous"),
    "es": ("que es un programa de salida?", "exit_what"),
    "pl": ("gdzie znajdę program wyjścia z pracy seksualnej w mojej okolicy?", "exit_where"),
    "ro": ("lucrez cu opting-in, patronul îmi face asigurarea de sănătate?", "health_insurance_opting_in"),
}


def run(scenario: Awaitable[Any]) -> Any:
    return asyncio.run(scenario)


def starts_like(text: str, expected: str) -> bool:
    return text.startswith(expected[:PREFIX])


def buttons_of(call_params: dict) -> list[dict]:
    rows = (call_params.get("reply_markup") or {}).get("inline_keyboard") or []
    assert all(len(row) == 1 for row in rows), "one button per row"
    return [row[0] for row in rows]


# --------------------------------------------------------------------------------- conversation
def test_text_in_reply_out_in_each_language(assistant, knowledge):
    async def scenario() -> None:
        async with gateway(assistant.url) as (app, api):
            for lang, (question, answer_id) in QUESTIONS.items():
                chat = new_chat()
                await feed(app, text_update(chat, question, language_code=lang))
                texts = api.texts(chat)
                assert texts and starts_like(texts[0], knowledge.answer_text(answer_id, lang)), (lang, texts)
                assert api.sent("sendChatAction", chat)[0].params["action"] == "typing"
                [answer] = api.sent("sendMessage", chat)
                assert "parse_mode" not in answer.params
                assert buttons_of(answer.params), "an answer comes with its follow-up buttons"

    run(scenario())


def test_a_button_press_is_answered_and_its_payload_relayed(assistant, knowledge):
    async def scenario() -> None:
        async with gateway(assistant.url) as (app, api):
            chat = new_chat()
            await feed(app, text_update(chat, "do I need Dutch health insurance?"))
            buttons = buttons_of(api.sent("sendMessage", chat)[-1].params)
            menu = next(b for b in buttons if b["text"] == knowledge.button("menu", "en"))
            update = callback_update(chat, menu["callback_data"])
            await feed(app, update)
            [answered] = api.sent("answerCallbackQuery")
            assert answered.params["callback_query_id"] == update["callback_query"]["id"]
            assert starts_like(api.texts(chat)[-1], knowledge.system_text("menu", "en"))

    run(scenario())


@pytest.mark.parametrize("command,expected", [
    ("/start", lambda k: k.system_text("greet", "en")),
    ("/menu", lambda k: k.system_text("menu", "en")),
    ("/language", lambda k: replies.language_choice(k).text),
    ("/help", lambda k: k.answer_text("help_human", "en")),
    ("/privacy", lambda k: k.answer_text("privacy", "en")),
])
def test_commands(assistant, knowledge, command, expected):
    text = expected(knowledge)

    async def scenario() -> list[str]:
        async with gateway(assistant.url) as (app, api):
            chat = new_chat()
            await feed(app, text_update(chat, command))
            return api.texts(chat)

    texts = run(scenario())
    assert texts and starts_like(texts[0], text), texts


def test_forget_asks_first_and_the_yes_button_deletes(assistant, knowledge, pseudonym_secret):
    chat = new_chat()
    conversation = rest_key(pseudonymise("telegram", str(chat)))

    async def scenario() -> None:
        async with gateway(assistant.url) as (app, api):
            await feed(app, text_update(chat, "¿tengo que tener seguro médico en holanda?", language_code="es"))
            assert any(e["event"] == "user" for e in assistant.tracker(conversation)["events"])
            await feed(app, text_update(chat, "/forget", language_code="es"))
            asked = api.sent("sendMessage", chat)[-1]
            assert starts_like(asked.params["text"], knowledge.system_text("forget_confirm", "es"))
            yes = next(b for b in buttons_of(asked.params) if b["text"] == knowledge.button("yes", "es"))
            assert yes["callback_data"] == "/affirm"
            await feed(app, callback_update(chat, yes["callback_data"], language_code="es"))
            assert starts_like(api.texts(chat)[-1], knowledge.answer_text("forget_me", "es"))

    run(scenario())
    after = assistant.tracker(conversation)
    assert not [e for e in after["events"] if e["event"] in ("user", "bot")], "the old messages are still stored"


def test_non_text_messages_get_the_not_text_reply(assistant, knowledge):
    updates = {
        "sticker": lambda chat: content_update(chat, "nl", **STICKER),
        "photo": lambda chat: content_update(chat, "nl", **PHOTO),
        "voice": lambda chat: content_update(chat, "nl", **VOICE),
        "location": lambda chat: content_update(chat, "nl", **LOCATION),
    }

    async def scenario() -> dict[str, list[str]]:
        async with gateway(assistant.url) as (app, api):
            chats = {kind: new_chat() for kind in updates}
            await asyncio.gather(*(feed(app, make(chats[kind])) for kind, make in updates.items()))
            return {kind: api.texts(chat) for kind, chat in chats.items()}

    expected = knowledge.system_text("not_text", "nl")
    for kind, texts in run(scenario()).items():
        assert texts and starts_like(texts[0], expected), (kind, texts)


def test_a_captioned_photo_is_read_as_text_and_a_danger_caption_gets_112_first(assistant, knowledge):
    async def scenario() -> list[str]:
        async with gateway(assistant.url) as (app, api):
            chat = new_chat()
            await feed(app, content_update(chat, None, caption="help, he took my passport", **PHOTO))
            return api.texts(chat)

    texts = run(scenario())
    assert texts and "112" in texts[0], texts
    assert not starts_like(texts[0], knowledge.system_text("not_text", "en")), "the caption was read"


def test_caption_and_kind_reach_the_assistant_and_a_bare_photo_is_not_text():
    async def scenario() -> list[dict]:
        async with FakeRasa() as rasa, gateway(rasa.url) as (app, api):
            await feed(app, content_update(new_chat(), "pl", caption="czy muszę pokazać dowód?", **PHOTO))
            await feed(app, content_update(new_chat(), "pl", **PHOTO))
            return rasa.bodies

    captioned, bare = run(scenario())
    assert captioned["message"] == "czy muszę pokazać dowód?"
    assert captioned["metadata"] == {"kind": "photo", "language": "pl"}
    assert (bare["message"], bare["metadata"]) == ("", {"kind": "photo", "language": "pl"})


def test_edits_and_service_messages_are_acknowledged_without_a_reply():
    async def scenario() -> tuple[int, list]:
        async with FakeRasa() as rasa, gateway(rasa.url) as (app, api):
            chat = new_chat()
            await feed(app, edited_update(chat, "mag de politie mijn huis in?", "nl"))
            await feed(app, content_update(chat, "nl", pinned_message={"message_id": 1, "date": 0,
                                                                       "chat": {"id": chat, "type": "private"}}))
            return rasa.received, api.sent("sendMessage")

    received, sent = run(scenario())
    assert (received, sent) == (0, [])


# ------------------------------------------------------------------------------- groups, channels
def test_a_group_gets_one_notice_then_silence_and_nothing_reaches_the_assistant(knowledge):
    group, other_group, channel = -1001_000_001, -1001_000_002, -1001_000_003
    link = f"https://t.me/{BOT_USER['username']}"

    async def scenario() -> tuple[FakeRasa, FakeTelegram]:
        async with FakeRasa() as rasa, gateway(rasa.url) as (app, api):
            for number, text in enumerate(["/report", "help", "/forget", "/start@rights_nl_bot", "help, he hits me"]):
                await feed(app, group_update(group, text, user_id=500 + number, language_code="nl"))
            await feed(app, group_update(other_group, "/menu", user_id=600, language_code="xx", chat_type="group"))
            await feed(app, group_update(other_group, "hello", user_id=601, language_code="pl", chat_type="group"))
            await feed(app, channel_post_update(channel, "news"))
            await feed(app, channel_post_update(channel, "more news"))
            return rasa, api

    rasa, api = run(scenario())
    assert rasa.received == 0, "no group message reaches the assistant"
    assert api.texts(group) == [knowledge.system_text("group_notice", "nl", link=link)]
    assert api.texts(other_group) == [knowledge.system_text("group_notice", "en", link=link)], "xx is not ours: English"
    assert api.texts(channel) == [knowledge.system_text("group_notice", "en", link=link)]
    assert link in api.texts(group)[0]
    assert not api.sent("sendChatAction"), "no typing shown in a group"


def test_commands_for_another_bot_are_ignored_everywhere():
    async def scenario() -> tuple[int, list]:
        async with FakeRasa() as rasa, gateway(rasa.url) as (app, api):
            await feed(app, group_update(-1001_000_010, "/start@other_bot", user_id=700))
            await feed(app, text_update(new_chat(), "/start@other_bot"))
            await feed(app, text_update(new_chat(), "/help@Other_Bot please"))
            return rasa.received, api.sent("sendMessage")

    received, sent = run(scenario())
    assert (received, sent) == (0, [])


def test_a_button_press_in_a_group_is_not_relayed():
    update = callback_update(-1001_000_020, "/menu")
    update["callback_query"]["message"]["chat"] = {"id": -1001_000_020, "type": "supergroup", "title": "g"}

    async def scenario() -> int:
        async with FakeRasa() as rasa, gateway(rasa.url) as (app, api):
            await feed(app, update)
            return rasa.received

    assert run(scenario()) == 0


# ------------------------------------------------------------------------- repeats and bad bodies
def test_a_repeated_update_is_answered_once_in_polling_and_webhook_mode():
    async def scenario() -> None:
        async with FakeRasa() as rasa, gateway(rasa.url, mode="webhook", webhook_secret=SECRET) as (app, api):
            chat = new_chat()
            update = text_update(chat, "hello")
            await feed(app, update)
            await feed(app, update)
            assert rasa.received == 1 and len(api.texts(chat)) == 1
            await app.start()
            try:
                async with TestServer(webhook_app(app, SECRET)) as server, aiohttp.ClientSession() as http:
                    again = text_update(chat, "hello again")
                    for _ in range(3):
                        async with http.post(server.make_url(WEBHOOK_PATH), json=again,
                                             headers={SECRET_HEADER: SECRET}) as answer:
                            assert answer.status == 200
                    await api.wait_for("sendMessage", 2, chat_id=chat)
                    await asyncio.sleep(0.3)
            finally:
                await app.stop()
            assert rasa.received == 2 and len(api.texts(chat)) == 2

    run(scenario())


def test_bodies_that_are_not_updates_get_400_and_one_line_without_content(caplog):
    bodies = [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
              b'{"no_update_id": "secret text 31612345678"}', b"[1, 2]", b'{"update_id": 5, "message": "x"}',
              b'{"update_id": 6, "message": {"chat": 5}}', b"\xff\xfe", b""]

    async def scenario() -> None:
        async with FakeRasa() as rasa, gateway(rasa.url, mode="webhook", webhook_secret=SECRET) as (app, api):
            await app.start()
            try:
                async with TestServer(webhook_app(app, SECRET)) as server, aiohttp.ClientSession() as http:
                    for body in bodies:
                        async with http.post(server.make_url(WEBHOOK_PATH), data=body,
                                             headers={SECRET_HEADER: SECRET}) as answer:
                            assert answer.status == 400, body[:40]
            finally:
                await app.stop()
            assert rasa.received == 0 and not api.sent("sendMessage")

    with caplog.at_level(logging.INFO):
        run(scenario())
    refused = [r for r in caplog.records if "not a Telegram update" in r.getMessage()]
    assert len(refused) == len(bodies), caplog.text
    assert all("\n" not in r.getMessage() and not r.exc_info for r in refused), "one line, no traceback"
    assert "secret text" not in caplog.text and "31612345678" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# --------------------------------------------------------------------------- splitting and limits
def test_split_text_prefers_paragraphs_then_lines_then_words():
    assert split_text("short", 10) == ["short"]
    assert split_text("aaaa\n\nbbbb\n\ncccc", 10) == ["aaaa\n\nbbbb", "cccc"]
    assert split_text("aaaa bbbb\ncccc dddd", 12) == ["aaaa bbbb", "cccc dddd"]
    assert split_text("one two three four five", 9) == ["one two", "three", "four five"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("  \n\n  ", 10) == []
    text = "\n\n".join(f"Paragraph {n}. " + "word " * (n * 37) for n in range(1, 40))
    parts = split_text(text, TELEGRAM_TEXT_LIMIT)
    assert len(parts) > 1 and all(len(p) <= TELEGRAM_TEXT_LIMIT for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_a_long_reply_is_sent_in_parts_with_the_buttons_under_the_last():
    reply = {"text": "\n\n".join(["Lorem ipsum dolor sit amet. " * 60] * 5),
             "buttons": [{"title": "Menu", "payload": "/menu"}], "custom": {"answer_id": "x", "language": "en"}}

    async def scenario() -> None:
        async with gateway("http://127.0.0.1:9") as (app, api):
            await send_replies(app.bot, 42, [reply], ButtonPayloads())
            sent = api.sent("sendMessage", 42)
            assert len(sent) >= 3 and all(len(c.params["text"]) <= TELEGRAM_TEXT_LIMIT for c in sent)
            assert [bool(c.params.get("reply_markup")) for c in sent] == [False] * (len(sent) - 1) + [True]
            assert "custom" not in str([c.params for c in sent])

    run(scenario())


def test_long_payloads_get_short_callback_data():
    payloads = ButtonPayloads()
    long_payload = '/menu{"topic": "' + "x" * 80 + '"}'
    data = payloads.data_for(long_payload)
    assert len(data.encode()) <= 64 and payloads.data_for(long_payload) == data
    assert payloads.payload_for(data) == long_payload
    assert payloads.data_for("/affirm") == "/affirm" and payloads.payload_for("/affirm") == "/affirm"
    assert payloads.payload_for("#unknown-after-a-restart") == COMMANDS["menu"]


def test_updates_of_one_chat_stay_in_order_while_chats_run_concurrently():
    async def scenario() -> list[str]:
        order: list[str] = []
        processor = PerChatOrder(8)

        async def turn(label: str, seconds: float) -> None:
            order.append(f"{label} start")
            await asyncio.sleep(seconds)
            order.append(f"{label} end")

        def update(chat: int) -> Update:
            return Update.de_json(text_update(chat, "x"), None)

        await asyncio.gather(processor.process_update(update(1), turn("a1", 0.2)),
                             processor.process_update(update(1), turn("a2", 0.0)),
                             processor.process_update(update(2), turn("b1", 0.0)))
        return order

    order = run(scenario())
    assert order.index("a1 end") < order.index("a2 start"), order
    assert order.index("b1 end") < order.index("a1 end"), "another chat does not wait"


# -------------------------------------------------------------------------------- failure paths
def test_429_is_retried_after_the_time_telegram_asks(assistant):
    async def scenario() -> None:
        async with gateway(assistant.url) as (app, api):
            api.fail_next("sendMessage", {"ok": False, "error_code": 429, "description": "Too Many Requests: "
                                          "retry after 1", "parameters": {"retry_after": 1}}, status=429)
            chat = new_chat()
            await feed(app, text_update(chat, "/menu"))
            first, second = [c for c in api.calls if c.method == "sendMessage"]
            assert (first.status, second.status) == (429, 200)
            assert second.at - first.at >= 0.9
            assert api.texts(chat) == [second.params["text"]]

    run(scenario())


def test_rasa_down_gives_the_service_unavailable_text(knowledge):
    async def scenario() -> list[str]:
        async with gateway(f"http://127.0.0.1:{free_port()}") as (app, api):
            await feed(app, text_update(1234, "czy muszę pokazać dowód?", language_code="pl"))
            return api.texts(1234)

    [text] = run(scenario())
    assert text == knowledge.system_text("service_unavailable", "pl") and "112" in text


@pytest.mark.parametrize("rasa", [
    dict(delay=3.0), dict(status=500, reply={"error": "boom"}), dict(reply=[]), dict(reply={"not": "a list"}),
], ids=["slow", "5xx", "empty", "malformed"])
def test_relay_never_returns_silence(knowledge, rasa):
    async def scenario() -> list[dict]:
        async with FakeRasa(**rasa) as fake:
            relay = RasaRelay(fake.url, timeout_s=0.5)
            try:
                return await relay.send("te-pseudonym", "hello", {"language": "ro"})
            finally:
                await relay.aclose()

    [message] = run(scenario())
    assert message["text"] == knowledge.system_text("service_unavailable", "ro")


def test_one_failing_update_does_not_stop_the_bot(assistant, caplog):
    async def scenario() -> None:
        async with gateway(assistant.url) as (app, api):
            chat = new_chat()
            api.fail_next("sendMessage", {"ok": False, "error_code": 403,
                                          "description": "Forbidden: bot was blocked by the user"}, status=403)
            await feed(app, text_update(chat, "/menu"))
            await feed(app, text_update(chat, "/menu"))
            assert len(api.texts(chat)) == 1

    with caplog.at_level(logging.ERROR, logger="bot.channels.telegram"):
        run(scenario())
    assert "handling an update failed (Forbidden)" in caplog.text


# ------------------------------------------------------------------------------- webhook, polling
def test_webhook_refuses_requests_without_the_secret(assistant, knowledge):
    async def scenario() -> None:
        async with gateway(assistant.url, mode="webhook", webhook_secret=SECRET) as (app, api):
            assert app.updater is None
            await app.start()
            try:
                async with TestServer(webhook_app(app, SECRET)) as server, aiohttp.ClientSession() as http:
                    url = server.make_url(WEBHOOK_PATH)
                    chat = new_chat()
                    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}):
                        async with http.post(url, json=text_update(chat, "/menu"), headers=headers) as answer:
                            assert answer.status == 403
                    async with http.post(url, data=b"not json", headers={SECRET_HEADER: SECRET}) as answer:
                        assert answer.status == 400
                    await asyncio.sleep(0.5)
                    assert not [c for c in api.calls if c.method != "getMe"], "nothing relayed or sent"
                    async with http.post(url, json=text_update(chat, "/menu"), headers={SECRET_HEADER: SECRET}) as answer:
                        assert answer.status == 200
                    [sent] = await api.wait_for("sendMessage", chat_id=chat)
                    assert starts_like(sent.params["text"], knowledge.system_text("menu", "en"))
            finally:
                await app.stop()

    run(scenario())


def test_polling_answers_and_stops_cleanly(assistant, knowledge):
    async def scenario() -> None:
        async with gateway(assistant.url) as (app, api):
            chat = new_chat()
            update = text_update(chat, "/menu", language_code="ro")
            api.push_update(update)
            await app.updater.start_polling(timeout=1)
            await app.start()
            [sent] = await api.wait_for("sendMessage", chat_id=chat)
            await app.updater.stop()
            await app.stop()
            assert not app.running and not app.updater.running
            assert starts_like(sent.params["text"], knowledge.system_text("menu", "ro"))
            offsets = [c.params.get("offset") for c in api.calls if c.method == "getUpdates"]
            assert max(o or 0 for o in offsets) > update["update_id"], "the update was confirmed"

    run(scenario())


def test_startup_registers_the_commands_in_five_languages_and_a_default(assistant, knowledge):
    async def scenario() -> list:
        async with gateway(assistant.url) as (app, api):
            await app.post_init(app)
            return api.sent("setMyCommands")

    calls = run(scenario())
    assert sorted(str(c.params.get("language_code")) for c in calls) == sorted([*LANGUAGES, "None"])
    for call in calls:
        lang = call.params.get("language_code", "en")
        assert [c["command"] for c in call.params["commands"]] == list(COMMANDS)
        for command in call.params["commands"]:
            assert command["description"] == knowledge.ui[lang]["commands"][command["command"]]
            assert 3 <= len(command["description"]) <= 60


# ----------------------------------------------------------------------------- configuration
def test_configuration_comes_from_the_environment(monkeypatch):
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_MODE", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_LISTEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="BotFather"):
        TelegramConfig.from_env()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert TelegramConfig.from_env().mode == "polling"
    monkeypatch.setenv("TELEGRAM_MODE", "webhook")
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramConfig.from_env()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_LISTEN", "0.0.0.0:9000")
    config = TelegramConfig.from_env()
    assert (config.mode, config.listen_host, config.listen_port) == ("webhook", "0.0.0.0", 9000)


# ------------------------------------------------------------------------------------- privacy
def test_logs_hold_no_text_chat_id_username_or_token(assistant, caplog):
    chat, username = 987_654_321_123, "very_private_username"
    texts = ["my landlord Jansen at Keizersgracht 99 threatens me", "ik ben Maria, mag de politie binnen?"]

    async def scenario(rasa_url: str, fail: Optional[int] = None) -> None:
        async with gateway(rasa_url) as (app, api):
            if fail:
                api.fail_next("sendMessage", {"ok": False, "error_code": fail, "description": "Bad Request: "
                                              f"chat {chat} not found"}, status=fail)
            for text in texts:
                await feed(app, text_update(chat, text, username=username))
            await feed(app, callback_update(chat, "/menu"))

    caplog.set_level(logging.INFO)   # the default level of `python -m bot telegram`, for every logger
    run(scenario(assistant.url))
    run(scenario(f"http://127.0.0.1:{free_port()}", fail=400))
    assert "BadRequest" in caplog.text and "could not be reached" in caplog.text, "the failures were logged"
    logged = server_logs(assistant)
    for secret in [*texts, "Keizersgracht", str(chat), username, TOKEN]:
        assert secret not in caplog.text, secret
        assert secret not in logged, secret
