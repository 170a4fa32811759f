"""Safety and privacy, end to end through the REST channel of the trained assistant."""
import json
import uuid
from pathlib import Path

import pytest
import yaml

from bot.config import LANGUAGES
from tests.conftest import TESTS, answer_ids, rest_key, server_logs


def safety_set(lang: str) -> dict:
    return yaml.safe_load((TESTS / "data" / "safety" / f"{lang}.yml").read_text(encoding="utf-8"))


def first_replies(assistant, messages: list[str]) -> list[list[dict]]:
    """Each message as the first message of a fresh conversation (language not known yet)."""
    return [assistant.send(uuid.uuid4().hex, text) for text in messages]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_danger_message_gets_112_first(assistant, lang):
    messages = safety_set(lang)["danger"]
    assert len(messages) >= 20
    missed = [text for text, replies in zip(messages, first_replies(assistant, messages))
              if answer_ids(replies)[:1] != ["emergency"] or "112" not in replies[0]["text"]]
    assert not missed, f"{lang}: recall {1 - len(missed) / len(messages):.0%}; missed {missed}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_questions_about_violence_do_not_trigger_the_override(assistant, lang):
    messages = safety_set(lang)["not_danger"]
    assert len(messages) >= 20
    alarms = [text for text, replies in zip(messages, first_replies(assistant, messages))
              if answer_ids(replies)[:1] == ["emergency"]]
    assert not alarms, f"{lang}: false alarms {len(alarms) / len(messages):.0%}: {alarms}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_exploitation_signals_lead_to_trafficking_help(assistant, lang):
    messages = safety_set(lang)["trafficking"]
    missed = [text for text, replies in zip(messages, first_replies(assistant, messages))
              if "report_trafficking" not in answer_ids(replies)]
    assert not missed, f"{lang}: missed {missed}"


@pytest.mark.parametrize("text,answer,number", [
    ("sos", "emergency", "112"),                       # said in every language
    ("suicide", "crisis_suicide", "113"),
    ("verkracht", "report_sexual_violence", None),
    ("passport taken", "report_trafficking", None),
])
def test_every_safety_category_is_answered_at_once_when_the_language_is_unclear(assistant, text, answer, number):
    """A first message, one or two words: its helpline first, never a language choice or "did not
    understand" before or after it; the language buttons come under it (a best guess)."""
    replies = assistant.send(uuid.uuid4().hex, text)
    ids = answer_ids(replies)
    assert ids[0] == answer and (number is None or number in replies[0]["text"])
    assert "greet" not in ids and "fallback" not in ids
    assert ids[-1] == "language_offer" and len(replies[-1]["buttons"]) == len(LANGUAGES)


def test_forget_me_deletes_the_stored_conversation(assistant, sender):
    assistant.send(sender, "czy muszę pokazać dowód?")
    stored = assistant.tracker(rest_key(sender))
    assert any(e["event"] == "user" for e in stored["events"])
    [ask] = assistant.send(sender, "usuń moje dane")
    assert ask["custom"] == {"answer_id": "forget_me", "language": "pl"} and len(ask["buttons"]) == 2
    [done] = assistant.send(sender, ask["buttons"][0]["payload"])
    assert done["custom"] == {"answer_id": "forget_me", "language": "pl"}
    after = assistant.tracker(rest_key(sender))
    assert not [e for e in after["events"] if e["event"] in ("user", "bot")], "the old messages are still stored"
    # a fresh start: the language is unknown again, so "hi" (said in every language) is a guess
    # with the language buttons under it, not a continuation in Polish
    assert answer_ids(assistant.send(sender, "hi")) == ["greet", "language_offer"]


def test_forget_can_be_cancelled(assistant, sender):
    assistant.send(sender, "do I need Dutch health insurance?")
    [ask] = assistant.send(sender, "forget me")
    [kept] = assistant.send(sender, ask["buttons"][1]["payload"])
    assert kept["custom"]["language"] == "en"
    assert any(e["event"] == "user" for e in assistant.tracker(rest_key(sender))["events"])


def test_privacy_answer_states_the_configured_retention(assistant, sender):
    assistant.send(sender, '/language{"language": "en"}')
    [reply] = assistant.send(sender, "/privacy")
    assert reply["custom"]["answer_id"] == "privacy" and "24 hours" in reply["text"]


def test_logs_hold_no_message_text_ids_or_phone_numbers(assistant):
    script = [("+31612345678", "Ik heet Zyxwvut Qrst, mag de politie mijn huis in?"),
              ("4861234567", "nazywam się Wqpolk, czy muszę pokazać dowód?"),
              ("whatsapp:+40711222333", "mă numesc Brzdkova, am nevoie de zorgverzekering?"),
              ("+34600111222", "me llamo Xotlqa, puedo denunciar anonimamente?"),
              ("tg-99887766", "my name is Vrooblex, he is hitting me")]
    for sender, text in script:
        assert assistant.send(sender, text)
    logs = server_logs(assistant)
    for sender, text in script:
        assert sender not in logs and sender.lstrip("+") not in logs
        for word in text.replace(",", " ").replace("?", " ").split():
            if len(word) > 5 and word[0].isupper():
                assert word not in logs, f"{word!r} found in the logs"


def test_usage_counts_are_written_without_ids_or_text(assistant, sender):
    assistant.send(sender, "mag de politie mijn huis in?")
    data = json.loads(Path(assistant.env["BOT_USAGE_FILE"]).read_text())
    flat = json.dumps(data)
    assert "check_home" in flat and sender not in flat and "politie" not in flat
    for day, per_lang in data.items():
        assert len(day) == 10 and set(per_lang) <= set(LANGUAGES) | {"mul"}
