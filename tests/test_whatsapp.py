"""The WhatsApp gateway: real channel code behind a real aiohttp server, a fake Graph API
(testkit/fake_graph.py) and the real assistant (trained model, action server, REST channel) or an
instant fake Rasa. No internet, no Meta account."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import replies
from bot.channels.gateway import Seen
from bot.channels.whatsapp import REQUIRED, ConfigError, WhatsAppConfig
from bot.channels.whatsapp_commands import Command, CommandWords, command_key
from bot.channels.whatsapp_messages import CONTINUED, TEXT_LIMIT, list_label, parse_notification, render
from bot.config import LANGUAGES
from bot.knowledge import MENU_TOPICS
from bot.paths import LOCALES
from bot.privacy import pseudonymise
from bot.services import free_port
from testkit import fake_graph as fake
from testkit.fake_graph import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    choices,
    shown_text,
)
from testkit.fake_telegram import FakeRasa
from testkit.whatsapp_gateway import whatsapp
from tests.conftest import rest_key, server_logs

PREFIX = 40   # characters of an expected text compared (unreviewed answers get a note appended)
#: One question per language that the trained model answers reliably.
QUESTIONS = {
    "nl": ("mag de politie mijn huis in?", "check_home"),
    "en": ("do I need Dutch health insurance?", "health_insurance_must"),
    "es": ("que es un programa de salida?", "exit_what"),
    "pl": ("czy muszę pokazać dowód?", "check_id"),
    "ro": ("lucrez cu opting-in, patronul îmi face asigurarea de sănătate?", "health_insurance_opting_in"),
}
_numbers = iter(range(31_612_000_001, 31_613_000_000))


def new_number() -> str:
    """A fresh WhatsApp number per conversation, so tests never share a Rasa conversation."""
    return str(next(_numbers))


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def starts_like(text: str, expected: str) -> bool:
    return text.startswith(expected[:PREFIX])


def command_words(lang: str, command: str) -> list[str]:
    return yaml.safe_load((LOCALES / lang / "commands.yml").read_text(encoding="utf-8"))[command]


pytestmark = pytest.mark.usefixtures("pseudonym_secret")


# ------------------------------------------------------------------------------------ harness
# (the gateway itself, `whatsapp(rasa_url)`, is in testkit/whatsapp_gateway.py)
def run(scenario: Any) -> Any:
    return asyncio.run(scenario)


def reply_to(body: dict, number: str, title: str) -> dict:
    """The user taps the choice titled `title` in an interactive message: a button or list reply."""
    choice = next(c for c in choices(body) if c["title"] == title)
    if body["interactive"]["type"] == "button":
        return fake.button_reply(number, choice["id"], choice["title"])
    return fake.list_reply(number, choice["id"], choice["title"])


# ----------------------------------------------------------------------------- webhook security
def test_the_handshake_echoes_the_challenge_only_for_our_token():
    async def scenario() -> None:
        async with whatsapp(closed_port_url()) as wa:
            good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
            assert await wa.get(good) == (200, "1158201444")
            for bad in ({**good, "hub.verify_token": "wrong"}, {**good, "hub.verify_token": VERIFY_TOKEN[:-1]},
                        {**good, "hub.mode": "unsubscribe"}, {"hub.challenge": "1158201444"}):
                status, text = await wa.get(bad)
                assert status == 403 and "1158201444" not in text

    run(scenario())


def test_forged_unsigned_and_malformed_posts_reach_nobody():
    async def scenario() -> None:
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            number = new_number()
            body = fake.notification(fake.text(number, "hello"))
            raw = fake.encode(body)
            forged = [fake.sign(raw, "not-the-app-secret"), fake.sign(raw + b" "), "sha256=", "",
                      fake.sign(raw).upper(), fake.sign(raw).replace("sha256=", "sha1=")]
            assert await wa.post(raw=raw, signed=False) == 403
            for signature in forged:
                assert await wa.post(raw=raw, signature=signature) == 403, signature
            for malformed in (b"not json", b"\xff\xfe{}", b"[]", b'{"entry": "x"}', b'{"entry": [{"changes": {}}]}',
                              fake.encode({"entry": [{"changes": [{"value": {"messages": [{"id": "wamid.X"}]}}]}]}),
                              fake.encode({"entry": [{"changes": [{"value": {"messages": [42]}}]}]})):
                assert await wa.post(raw=malformed) == 400, malformed
            await wa.gateway.drain()
            assert rasa.received == 0 and wa.graph.calls == [], "nothing relayed or sent"
            assert await wa.post(raw=raw) == 200
            await wa.gateway.drain()
            assert rasa.received == 1 and len(wa.graph.sent(number)) == 1

    run(scenario())


def test_statuses_and_other_numbers_are_ignored_silently():
    async def scenario() -> None:
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            number = new_number()
            await wa.deliver(body=fake.notification(statuses=(fake.status(number), fake.status(number, "read"))))
            await wa.deliver(body=fake.notification(fake.text(number, "hi"), phone_number_id="999"))
            await wa.deliver(body={"object": "whatsapp_business_account", "entry": [
                {"id": "1", "changes": [{"field": "account_update", "value": {"event": "x"}}]}]})
            assert rasa.received == 0 and wa.graph.calls == []

    run(scenario())


# --------------------------------------------------------------------------------- conversation
@pytest.mark.parametrize("lang", LANGUAGES)
def test_text_list_reply_button_reply_and_command_words(assistant, knowledge, lang):
    question, answer_id = QUESTIONS[lang]
    menu_label, topic = knowledge.button("menu", lang), MENU_TOPICS[0]

    async def scenario() -> None:
        async with whatsapp(assistant.url) as wa:
            number = new_number()
            await wa.deliver(fake.text(number, question))
            sent = wa.graph.sent(number)
            assert starts_like(shown_text(sent[0]), knowledge.answer_text(answer_id, lang)), sent[0]
            assert sent[-1]["type"] == "interactive", "an answer comes with its follow-up buttons"

            await wa.deliver(reply_to(sent[-1], number, menu_label))
            menu = wa.graph.sent(number)[-1]
            assert starts_like(shown_text(menu), knowledge.system_text("menu", lang))
            assert menu["interactive"]["type"] == "list" and menu["interactive"]["action"]["button"] == menu_label

            await wa.deliver(reply_to(menu, number, knowledge.topic_label(topic, lang)))
            topic_text = knowledge.system_text("topic_menu", lang, topic=knowledge.topic_label(topic, lang))
            assert starts_like(wa.graph.shown(number)[-1], topic_text)

            await wa.deliver(fake.text(number, command_words(lang, "forget")[0].upper()))
            confirm = wa.graph.sent(number)[-1]
            assert shown_text(confirm) == knowledge.system_text("forget_confirm", lang)
            assert confirm["interactive"]["type"] == "button" and len(choices(confirm)) == 2
            await wa.deliver(reply_to(confirm, number, knowledge.button("no", lang)))
            assert starts_like(wa.graph.shown(number)[-1], knowledge.system_text("forget_cancelled", lang))

    run(scenario())


def test_a_batch_of_three_is_answered_each_in_the_language_of_its_command_word(assistant, knowledge):
    ro, nl, pl = new_number(), new_number(), new_number()
    first = fake.notification(fake.text(ro, "Meniu"), fake.text(nl, "taal!"))
    second = fake.notification(fake.text(pl, "Zapomnij mnie"))
    body = {**first, "entry": first["entry"] + second["entry"]}

    async def scenario() -> dict[str, list[str]]:
        async with whatsapp(assistant.url) as wa:
            await wa.deliver(body=body)
            return {number: wa.graph.shown(number) for number in (ro, nl, pl)}

    shown = run(scenario())
    assert starts_like(shown[ro][0], knowledge.system_text("menu", "ro"))
    assert shown[nl][0] == replies.language_choice(knowledge).text
    assert shown[pl] == [knowledge.system_text("forget_confirm", "pl")]


def test_non_text_messages_get_the_not_text_reply(assistant, knowledge):
    kinds = ("image", "sticker", "location", "audio", "unsupported")

    async def scenario() -> list[str]:
        async with whatsapp(assistant.url) as wa:
            number = new_number()
            await wa.deliver(fake.text(number, QUESTIONS["nl"][0]), *(fake.media(number, kind) for kind in kinds))
            return wa.graph.shown(number)

    expected = knowledge.system_text("not_text", "nl")
    assert [text for text in run(scenario()) if starts_like(text, expected)] == [expected] * len(kinds)


def test_a_repeated_delivery_is_answered_once():
    async def scenario() -> None:
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            number = new_number()
            message = fake.text(number, "hello")
            await wa.deliver(message, message)
            await wa.deliver(message)
            assert rasa.received == 1 and len(wa.graph.sent(number)) == 1

    run(scenario())


# ------------------------------------------------------------ users known by business-scoped id
_bsuids = iter(range(13_491_208_655_302_741_000, 13_491_208_655_302_742_000))


def new_bsuid() -> str:
    """A fresh business-scoped user id, shaped like Meta's ("US.13491208655302741918")."""
    return f"NL.{next(_bsuids)}"


def test_a_user_without_a_phone_number_is_answered_by_business_scoped_id(assistant, knowledge):
    user = new_bsuid()
    conversation = rest_key(pseudonymise("whatsapp", user))

    async def scenario() -> list[dict]:
        async with whatsapp(assistant.url) as wa:
            message = fake.text(user, QUESTIONS["pl"][0])
            assert "from" not in message and message["from_user_id"] == user
            await wa.deliver(message)
            return wa.graph.sent()

    sent = run(scenario())
    assert sent and all(m.get("recipient") == user and "to" not in m for m in sent), "replies go to the BSUID"
    assert starts_like(shown_text(sent[0]), knowledge.answer_text(QUESTIONS["pl"][1], "pl"))
    assert any(e["event"] == "user" for e in assistant.tracker(conversation)["events"]), "stored under its pseudonym"


def test_a_greeting_from_a_foreign_number_is_answered_in_its_countrys_language_with_the_buttons(assistant, knowledge):
    """ "hi" says nothing of its writer's language; a Polish number does, a little (phone_codes in
    locales/pl/language.yml). A Dutch number says nothing: the text's own best guess decides."""
    polish, dutch = f"48{new_number()[2:]}", new_number()

    async def scenario() -> dict[str, list[dict]]:
        async with whatsapp(assistant.url) as wa:
            await wa.deliver(fake.text(polish, "hi"), fake.text(dutch, "hi"))
            return {number: wa.graph.sent(number) for number in (polish, dutch)}

    sent = run(scenario())
    for number, lang in ((polish, "pl"), (dutch, "en")):
        assert starts_like(shown_text(sent[number][0]), knowledge.system_text("greet", lang)), (lang, sent[number][0])
        offer = sent[number][-1]
        assert shown_text(offer) == knowledge.system_text("not_your_language", lang), "a guess: the buttons come under it"
        assert {c["title"] for c in choices(offer)} == {knowledge.language_name(code) for code in LANGUAGES}


def test_a_mixed_batch_answers_every_identifiable_sender_and_counts_the_rest():
    phone, bsuid, contact_only = new_number(), new_bsuid(), new_bsuid()
    nobody = {"id": "wamid.NOBODY", "timestamp": "1", "type": "text", "text": {"body": "who am I"}}
    only_in_contacts = {"id": "wamid.CONTACT", "timestamp": "1", "type": "text", "text": {"body": "hi"}}
    first = fake.notification(fake.text(phone, "hello"), fake.text(bsuid, "hallo"), nobody)
    first["entry"][0]["changes"][0]["value"]["contacts"].append({"profile": {"name": "B"}, "user_id": "NL.1"})
    second = fake.notification(only_in_contacts)
    second["entry"][0]["changes"][0]["value"]["contacts"] = [{"profile": {"name": "C"}, "user_id": contact_only}]
    body = {**first, "entry": first["entry"] + second["entry"]}

    async def scenario() -> None:
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            await wa.deliver(body=body)
            assert rasa.received == 3
            assert [len(wa.graph.sent(user)) for user in (phone, bsuid, contact_only)] == [1, 1, 1]
            assert wa.graph.sent(phone)[0]["to"] == phone and wa.graph.sent(bsuid)[0]["recipient"] == bsuid
            assert wa.gateway.skipped["no sender id"] == 1
            senders = {b["sender"] for b in rasa.bodies}
            assert senders == {pseudonymise("whatsapp", u) for u in (phone, bsuid, contact_only)}

    run(scenario())


def test_captions_are_read_as_text_and_a_danger_caption_gets_112_first(assistant, knowledge):
    async def scenario() -> dict[str, list[str]]:
        async with whatsapp(assistant.url) as wa:
            danger, polish = new_number(), new_number()
            await wa.deliver(fake.media(danger, "image", caption="help, he took my passport"))
            await wa.deliver(fake.text(polish, QUESTIONS["pl"][0]))
            await wa.deliver(fake.media(polish, "sticker"))
            return {"danger": wa.graph.shown(danger), "polish": wa.graph.shown(polish)}

    shown = run(scenario())
    assert shown["danger"] and "112" in shown["danger"][0], shown["danger"]
    assert shown["polish"][-1] == knowledge.system_text("not_text", "pl"), "media without caption: the chat's language"


def test_caption_and_media_kind_reach_the_assistant():
    async def scenario() -> list[dict]:
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            user = new_number()
            await wa.deliver(fake.media(user, "image", caption="can the police enter my home?"))
            await wa.deliver(fake.media(user, "image", caption="  "))
            return rasa.bodies

    captioned, blank = run(scenario())
    assert (captioned["message"], captioned["metadata"]) == ("can the police enter my home?", {"kind": "image"})
    assert (blank["message"], blank["metadata"]) == ("", {"kind": "image"})


def test_what_the_user_did_not_type_is_acknowledged_without_a_reply():
    user = new_number()
    silent = [
        fake.message(user, "reaction", {"message_id": "wamid.OUT00000001", "emoji": "\U0001F44D"}),
        fake.message(user, "reaction", {"message_id": "wamid.OUT00000001", "emoji": ""}),   # removed
        fake.message(user, "reaction", {"message_id": "wamid.OUT00000001"}),                # removed
        fake.message(user, "revoke", {"original_message_id": "wamid.TEST1"}),
        fake.message(user, "edit", {"original_message_id": "wamid.TEST1",
                                    "message": {"type": "text", "text": {"body": "edited"}}}),
        fake.message(user, "system", {"body": "changed number", "wa_id": "31600000000", "type": "user_changed_number"}),
        fake.message(user, "system", {"body": "identity changed", "type": "customer_identity_changed"}),
        fake.message(user, "request_welcome", {}),
    ]

    async def scenario() -> None:
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            await wa.deliver(*silent)
            assert rasa.received == 0 and wa.graph.calls == []
            assert sum(wa.gateway.skipped.values()) == len(silent)

    run(scenario())


def test_deeply_nested_json_with_a_valid_signature_gets_400(caplog):
    async def scenario() -> None:
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            for raw in (b"[" * 100_000 + b"]" * 100_000, b'{"entry": ' * 50_000 + b"[]" + b"}" * 50_000):
                assert await wa.post(raw=raw) == 400
            assert rasa.received == 0

    with caplog.at_level(logging.WARNING):
        run(scenario())
    assert caplog.text.count("refused a malformed webhook call") == 2 and "Traceback" not in caplog.text


def test_forget_me_through_whatsapp_deletes_the_stored_conversation(assistant, knowledge):
    number = new_number()
    conversation = rest_key(pseudonymise("whatsapp", number))

    async def scenario() -> None:
        async with whatsapp(assistant.url) as wa:
            await wa.deliver(fake.text(number, QUESTIONS["en"][0]))
            stored = assistant.tracker(conversation)
            assert any(e["event"] == "user" for e in stored["events"])
            await wa.deliver(fake.text(number, "Forget"))
            confirm = wa.graph.sent(number)[-1]
            assert shown_text(confirm) == knowledge.system_text("forget_confirm", "en")
            yes = next(c for c in choices(confirm) if c["title"] == knowledge.button("yes", "en"))
            assert yes["id"] == "/affirm"
            await wa.deliver(fake.button_reply(number, yes["id"], yes["title"]))
            assert starts_like(wa.graph.shown(number)[-1], knowledge.answer_text("forget_me", "en"))

    run(scenario())
    after = assistant.tracker(conversation)
    assert not [e for e in after["events"] if e["event"] in ("user", "bot")], "the old messages are still stored"


def test_a_cry_for_help_is_never_taken_for_a_command_word(assistant, knowledge):
    words = CommandWords({"help": Command("/help_human", "en"), "ajutor": Command("/help_human", "ro")})
    assert words.lookup("help", knowledge) is None and words.lookup("ajutor", knowledge) is None
    assert words.lookup("help", None) is None, "without the safety lists: no command words"

    async def scenario() -> list[dict]:
        async with whatsapp(assistant.url) as wa:
            number = new_number()
            await wa.deliver(fake.text(number, "Ajutor!"))
            return wa.graph.sent(number)

    assert starts_like(shown_text(run(scenario())[0]), knowledge.answer_text("emergency", "ro"))


# ----------------------------------------------------------------------------- command words
def test_command_words_ignore_case_accents_and_punctuation(knowledge):
    words = CommandWords.load(LOCALES)
    for text, payload, lang in [("Meniu!", "/menu", "ro"), ("*Menú*", "/menu", None),
                                ("uita-ma", "/forget_me", "ro"), ("Usuń dane", "/forget_me", "pl"),
                                ("vergeet mij.", "/forget_me", "nl"), ("Język", "/language", "pl"),
                                ("privacy", "/privacy", None), ("/menu", "/menu", None)]:
        assert words.lookup(text, knowledge) == Command(payload, lang), text
    for text in ("menu please tell me", "forget about it, where is the police?", "", "112"):
        assert words.lookup(text, knowledge) is None, text


def test_every_command_word_in_the_content_works(knowledge):
    """No command word is also a safety phrase (it would never work) and each file has all five commands."""
    words = CommandWords.load(LOCALES)
    for lang in LANGUAGES:
        data = yaml.safe_load((LOCALES / lang / "commands.yml").read_text(encoding="utf-8"))
        assert set(data) == {"menu", "language", "help", "privacy", "forget"}, lang
        for entries in data.values():
            for word in entries:
                assert word == word.lower() and words.lookup(word, knowledge), (lang, word)


def test_command_word_files_are_checked(tmp_path: Path):
    for lang in LANGUAGES:
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "commands.yml").write_text("menu: [menu]\n", encoding="utf-8")
    (tmp_path / "en" / "commands.yml").write_text("menu: [menu]\nhelp: [Menu]\nstart: [go]\n", encoding="utf-8")
    (tmp_path / "ro" / "commands.yml").write_text("- not a mapping\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        CommandWords.load(tmp_path)
    message = str(error.value)
    assert "'Menu' is already the word of another command" in message
    assert "unknown command 'start'" in message and "ro/commands.yml" in message
    assert command_key("  Uită-mă!! ") == command_key("uita ma")


# ------------------------------------------------------------------------------------ rendering
def buttons(count: int, title: str = "Question number {n}") -> list[dict]:
    return [{"title": title.format(n=n), "payload": f"/answer_{n}"} for n in range(count)]


def message(text: str = "What do you want to know?", count: int = 0, language: str = "en",
            title: str = "Question number {n}") -> dict:
    return {"text": text, "buttons": buttons(count, title), "custom": {"answer_id": "x", "language": language}}


def test_three_buttons_make_a_reply_button_message():
    [sent] = render(message(count=3, title="A very long button title number {n}"), "Menu")
    interactive = sent["interactive"]
    assert interactive["type"] == "button" and interactive["body"]["text"] == "What do you want to know?"
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["/answer_0", "/answer_1", "/answer_2"]
    titles = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
    assert all(len(t) <= 20 and t.endswith(CONTINUED) for t in titles), titles


def test_six_buttons_make_a_list_and_twelve_make_two():
    [six] = render(message(count=6, title="A rather long question title {n}"), "Menu")
    assert six["interactive"]["type"] == "list"
    [section] = six["interactive"]["action"]["sections"]
    assert len(section["rows"]) == 6 and all(len(r["title"]) <= 24 for r in section["rows"])
    assert six["interactive"]["action"]["button"] == "Menu" and len(section["title"]) <= 24

    first, second = render(message(count=12), "A label far longer than twenty characters")
    assert [len(m["interactive"]["action"]["sections"][0]["rows"]) for m in (first, second)] == [10, 2]
    assert (shown_text(first), shown_text(second)) == ("What do you want to know?", CONTINUED)
    assert len(first["interactive"]["action"]["button"]) <= 20
    assert [r["id"] for m in (first, second) for r in choices(m)] == [f"/answer_{n}" for n in range(12)]


def test_a_body_over_1024_goes_ahead_as_text_and_long_texts_are_split():
    long = "\n\n".join(f"Paragraph {n}. " + "word " * 150 for n in range(20))
    sent = render(message(long, count=2), "Menu")
    assert [m["type"] for m in sent] == ["text"] * (len(sent) - 1) + ["interactive"] and len(sent) >= 3
    assert all(len(m["text"]["body"]) <= TEXT_LIMIT for m in sent[:-1])
    assert shown_text(sent[-1]) == CONTINUED
    plain = render(message(long), "Menu")
    assert len(plain) >= 3 and all(m["type"] == "text" and len(m["text"]["body"]) <= TEXT_LIMIT for m in plain)
    assert [m["type"] for m in render(message("", count=2), "Menu")] == ["interactive"]
    assert render(message(""), "Menu") == []


def test_unusable_and_repeated_buttons_are_left_out():
    reply = message(count=0)
    reply["buttons"] = [{"title": "A", "payload": "/a"}, {"title": "A again", "payload": "/a"},
                        {"title": "", "payload": "/b"}, {"title": "C", "payload": ""}, "not a button",
                        {"title": "D", "payload": "/" + "d" * 300}]
    [sent] = render(reply, "Menu")
    assert choices(sent) == [{"id": "/a", "title": "A"}]


def test_the_list_label_is_the_menu_button_in_the_message_language(knowledge):
    assert list_label(message(language="pl"), knowledge) == knowledge.button("menu", "pl")
    assert list_label(message(language="mul"), knowledge) == knowledge.button("menu", "en")
    assert list_label({"text": "x", "custom": "odd"}, None) == "Menu"


def test_twelve_buttons_and_a_long_text_end_to_end():
    long = "\n\n".join(["Lorem ipsum dolor sit amet. " * 30] * 8)
    reply = [message(long, count=12)]

    async def scenario() -> list[dict]:
        async with FakeRasa(reply=reply) as rasa, whatsapp(rasa.url) as wa:
            number = new_number()
            await wa.deliver(fake.text(number, "hello"))
            return wa.graph.sent(number)

    sent = run(scenario())
    kinds = [m["type"] if m["type"] == "text" else m["interactive"]["type"] for m in sent]
    assert kinds == ["text"] * (len(kinds) - 2) + ["list", "list"] and len(kinds) >= 4
    assert all(m["messaging_product"] == "whatsapp" and "custom" not in str(m) for m in sent)


# -------------------------------------------------------------------------------- failure paths
def test_a_429_is_retried_after_a_pause():
    async def scenario() -> None:
        async with FakeRasa() as rasa, whatsapp(rasa.url) as wa:
            wa.graph.fail_next(429)
            number = new_number()
            await wa.deliver(fake.text(number, "hello"))
            first, second = wa.graph.calls
            assert (first.status, second.status) == (429, 200) and second.at - first.at >= 0.45
            assert len(wa.graph.sent(number)) == 1

    run(scenario())


def test_5xx_is_retried_at_most_three_times_and_4xx_not_at_all(caplog):
    async def scenario() -> None:
        async with FakeRasa() as rasa, whatsapp(rasa.url, retry_delays_s=(0.01, 0.02, 0.04)) as wa:
            wa.graph.fail_next(500, times=2)
            number = new_number()
            await wa.deliver(fake.text(number, "hello"))
            assert [c.status for c in wa.graph.calls] == [500, 500, 200]
            wa.graph.calls.clear()
            wa.graph.fail_next(503, times=4)
            await wa.deliver(fake.text(number, "again"))
            assert [c.status for c in wa.graph.calls] == [503] * 4
            wa.graph.calls.clear()
            wa.graph.fail_next(400, code=131047)
            await wa.deliver(fake.text(number, "and again"))
            assert [c.status for c in wa.graph.calls] == [400]

    with caplog.at_level(logging.WARNING, logger="bot.channels.whatsapp"):
        run(scenario())
    assert "(HTTP 503, Graph error 130429) after 3 retries" in caplog.text
    assert "(HTTP 400, Graph error 131047)" in caplog.text and "allowed list" not in caplog.text


def test_rasa_down_gives_the_service_unavailable_text(knowledge):
    async def scenario() -> dict[str, list[str]]:
        async with whatsapp(closed_port_url()) as wa:
            english, polish = new_number(), new_number()
            await wa.deliver(fake.text(english, "can the police enter my home?"), fake.text(polish, "zapomnij"))
            return {"en": wa.graph.shown(english), "pl": wa.graph.shown(polish)}

    for lang, shown in run(scenario()).items():
        assert shown == [knowledge.system_text("service_unavailable", lang)] and "112" in shown[0], lang


# ------------------------------------------------------------------------------ configuration
def test_configuration_names_each_missing_variable_and_where_to_find_it(monkeypatch):
    for name in (*REQUIRED, "WHATSAPP_API_BASE", "WHATSAPP_LISTEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN)
    with pytest.raises(ConfigError) as error:
        WhatsAppConfig.from_env()
    message = str(error.value)
    assert "WHATSAPP_VERIFY_TOKEN" not in message
    for name in ("WHATSAPP_APP_SECRET", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"):
        assert f"{name} is not set" in message
    assert "App secret" in message and "Phone number ID" in message
    monkeypatch.setenv("WHATSAPP_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", ACCESS_TOKEN)
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
    config = WhatsAppConfig.from_env()
    assert (config.api_base, config.listen_host, config.listen_port) == (
        "https://graph.facebook.com/v21.0", "127.0.0.1", 8080)
    assert APP_SECRET not in repr(config) and ACCESS_TOKEN not in repr(config)
    monkeypatch.setenv("WHATSAPP_LISTEN", "0.0.0.0")
    with pytest.raises(ConfigError, match="WHATSAPP_LISTEN"):
        WhatsAppConfig.from_env()


def test_parsing_and_the_memory_of_seen_messages():
    number = new_number()
    body = fake.notification(fake.text(number, "hi"), fake.template_button(number, "/menu"),
                             fake.list_reply(number, "/privacy"), fake.media(number, "sticker"),
                             statuses=(fake.status(number),))
    parsed = parse_notification(body)
    assert [(m.type, m.text, m.is_payload) for m in parsed] == [
        ("text", "hi", False), ("button", "/menu", True), ("interactive", "/privacy", True), ("sticker", None, False)]
    assert number not in repr(parsed) and "wamid" not in repr(parsed)
    now = [0.0]
    seen = Seen(capacity=2, ttl_s=10, clock=lambda: now[0])
    assert seen.first_time("a") and not seen.first_time("a") and seen.first_time("b")
    assert seen.first_time("c") and seen.first_time("a"), "the oldest is forgotten beyond the capacity"
    now[0] = 11
    assert seen.first_time("c"), "and after the time to live"


# ------------------------------------------------------------------------------------- privacy
def test_logs_hold_no_phone_number_and_no_message_text(assistant, caplog):
    number = "31687654321"
    texts = ["my landlord Jansen at Keizersgracht 99 threatens me", "ik ben Maria, mag de politie binnen?"]

    async def scenario(rasa_url: str, fail: bool = False) -> None:
        async with whatsapp(rasa_url, retry_delays_s=(0.01,)) as wa:
            if fail:
                wa.graph.fail_next(400, code=131030)
                wa.graph.fail_next(500, times=2)
            await wa.deliver(*(fake.text(number, text) for text in texts), fake.media(number, "image"))
            await wa.deliver(fake.list_reply(number, "/menu", "Menu"))
            assert await wa.post(raw=b'{"forged": "' + number.encode() + b'"}', signature="sha256=0") == 403

    caplog.set_level(logging.INFO)   # the default level of `python -m bot whatsapp`, for every logger
    run(scenario(assistant.url))
    run(scenario(closed_port_url(), fail=True))
    assert "could not be reached" in caplog.text and "HTTP 400" in caplog.text, "the failures were logged"
    logged = server_logs(assistant)
    for secret in [number, *texts, "Keizersgracht", "wamid", ACCESS_TOKEN, APP_SECRET]:
        assert secret not in caplog.text, secret
        assert secret not in logged, secret
