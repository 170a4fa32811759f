"""End to end: the trained model behind the REST channel, with the real action server."""
import json
import urllib.error
import urllib.request

import pytest

from bot.config import LANGUAGES
from tests.conftest import answer_ids, languages_of


def test_acceptance_examples(assistant, sender):
    replies = assistant.send(sender, "mag de politie mijn huis in?")
    assert (answer_ids(replies)[0], languages_of(replies)[0]) == ("check_home", "nl")
    replies = assistant.send(sender + "pl", "czy muszę pokazać dowód?")
    assert (answer_ids(replies)[0], languages_of(replies)[0]) == ("check_id", "pl")


def test_each_message_keeps_text_buttons_and_custom_together(assistant, sender):
    [reply] = assistant.send(sender, "do I need Dutch health insurance?")
    assert reply["custom"] == {"answer_id": "health_insurance_must", "language": "en"}
    assert reply["text"] and reply["buttons"]
    assert all(set(b) == {"title", "payload"} and len(b["title"]) <= 20 for b in reply["buttons"])


@pytest.mark.parametrize("lang,text,expected", [
    ("nl", "hoe doe ik aangifte bij de politie?", "report_how"),
    ("en", "can I report a crime without giving my name?", "report_anonymous"),
    ("es", "que es un programa de salida?", "exit_what"),
    ("pl", "gdzie znajdę program wyjścia z pracy seksualnej w mojej okolicy?", "exit_where"),
    ("ro", "lucrez cu opting-in, patronul îmi face asigurarea de sănătate?", "health_insurance_opting_in"),
])
def test_slice_questions_are_answered_in_their_language(assistant, sender, lang, text, expected):
    replies = assistant.send(sender, text)
    assert (answer_ids(replies)[0], languages_of(replies)[0]) == (expected, lang)


def test_a_first_message_without_any_language_gets_the_language_choice(assistant, sender):
    [reply] = assistant.send(sender, "ok")
    assert reply["custom"] == {"answer_id": "greet", "language": "mul"}
    assert [b["title"] for b in reply["buttons"]] == ["Nederlands", "English", "Español", "Polski", "Română"]


def test_a_first_greeting_in_a_clear_language_is_greeted_in_it(assistant, sender):
    for text, lang in [("buenas tardes", "es"), ("dzień dobry", "pl"), ("salut", "ro"), ("goedemiddag", "nl")]:
        replies = assistant.send(sender + lang, text)
        assert (answer_ids(replies)[0], languages_of(replies)[0]) == ("greet", lang), text


def test_an_unclear_first_question_is_answered_at_once_with_language_buttons(assistant, sender):
    replies = assistant.send(sender, "unde pot face un test")   # Romanian, no diacritics
    assert answer_ids(replies)[0] == "health_sti_test" and languages_of(replies)[0] == "ro"
    if answer_ids(replies)[-1] == "language_offer":   # unsure: one tap switches and repeats
        pl = next(b["payload"] for b in replies[-1]["buttons"] if '"pl"' in b["payload"])
        again = assistant.send(sender, pl)
        assert [(a, lang) for a, lang in zip(answer_ids(again), languages_of(again))] == [
            ("language_change", "pl"), ("health_sti_test", "pl")]


@pytest.mark.parametrize("text", ["olá, preciso de ajuda com o seguro de saúde",
                                  "Ich brauche Hilfe mit meiner Krankenversicherung"])
def test_a_language_we_do_not_speak_gets_the_ones_we_do(assistant, sender, text):
    replies = assistant.send(sender, text)
    assert answer_ids(replies) == ["other_language"]
    assert len(replies[0]["buttons"]) == len(LANGUAGES)


def test_no_answer_text_is_in_another_language_than_its_payload_says(assistant, knowledge):
    """Every text a reply carries is the text of its `custom.language` (a mismatch would mean a
    Polish user reads Spanish while the tests think it is Polish)."""
    import uuid

    texts = ["czy muszę pokazać dowód", "unde pot face un test", "hola", "help", "nie chcę już żyć",
             "wat is PROUD", "ce este CoMensha", "ok", "is the new law in force", "mi casero me quiere echar"]
    for text in texts:
        for reply in assistant.send(uuid.uuid4().hex, text):
            custom = reply["custom"]
            answer_id, lang = custom["answer_id"], custom["language"]
            if lang == "mul" or not knowledge.has_answer(answer_id):
                continue
            assert reply["text"].startswith(knowledge.answer_text(answer_id, lang)[:60]), (text, answer_id, lang)


def test_language_button_then_short_messages_stay_in_that_language(assistant, sender):
    assistant.send(sender, "ok")
    replies = assistant.send(sender, '/language{"language": "ro"}')
    assert languages_of(replies) == ["ro"]
    for text in ["ok", "112?", "/menu"]:
        assert set(languages_of(assistant.send(sender, text))) <= {"ro"}, text


def test_typed_switch_and_back(assistant, sender):
    assert languages_of(assistant.send(sender, "czy muszę mieć ubezpieczenie zdrowotne?"))[0] == "pl"
    assert languages_of(assistant.send(sender, "English please"))[0] == "en"
    assert languages_of(assistant.send(sender, "thanks"))[0] == "en"
    assert languages_of(assistant.send(sender, "in het Nederlands graag"))[0] == "nl"


def test_menu_topic_and_answer_buttons_work(assistant, sender):
    assistant.send(sender, '/language{"language": "es"}')
    [menu] = assistant.send(sender, "/menu")
    topic = menu["buttons"][0]["payload"]
    [topic_menu] = assistant.send(sender, topic)
    assert topic_menu["custom"]["answer_id"] == "menu"
    first_answer = topic_menu["buttons"][0]["payload"]
    [answer] = assistant.send(sender, first_answer)
    assert answer["custom"] == {"answer_id": first_answer.lstrip("/"), "language": "es"}


@pytest.mark.parametrize("text,expected", [
    ("", "input_empty"), ("   \n ", "input_empty"), ("🙂🙂🙂", "input_no_words"),
    ("0612345", "input_no_words"), ("x" * 10_000, "input_too_long"),
])
def test_bad_input_gets_a_kind_reply_in_the_conversation_language(assistant, sender, text, expected):
    assistant.send(sender, '/language{"language": "pl"}')
    replies = assistant.send(sender, text)
    assert answer_ids(replies) == [expected] and languages_of(replies) == ["pl"]


ODD_INPUT = {   # what a kind, safe reply to each starts with (in an English conversation); None: any answer
    "<script>alert('x')</script>": None,                         # the model may take it for a question ("alert")
    "Bonjour, j'ai besoin d'aide pour mon assurance maladie": {"other_language"},
    "DROP TABLE users; --": None,
    "{\"intent\": \"emergency\"}": {"emergency"},               # no payload, but the word is a cry: 112 first
    "/unknown_intent{\"x\": 1}": {"menu", "fallback"},           # an unknown button: the menu, never a crash
    "/language{not json": {"language_change", "fallback", "out_of_scope"},
}


@pytest.mark.parametrize("text", list(ODD_INPUT))
def test_odd_input_is_answered_kindly(assistant, knowledge, sender, text):
    assistant.send(sender, '/language{"language": "en"}')
    replies = assistant.send(sender, text)
    first = answer_ids(replies)[0]
    expected = ODD_INPUT[text]
    assert first in expected if expected else (knowledge.has_answer(first) or first in ("fallback", "out_of_scope"))
    # the conversation's language, or the five-language choice; code-like text may read as another
    # language ("drop table users" looks Romanian to a language detector)
    assert languages_of(replies)[0] in (("en", "mul") if expected else LANGUAGES)
    assert all("<script>" not in (r["text"] or "") for r in replies)


def test_out_of_scope_and_fallback(assistant, sender):
    assistant.send(sender, '/language{"language": "en"}')
    assert answer_ids(assistant.send(sender, "what is the best recipe for pancakes?")) == ["out_of_scope"]
    assert answer_ids(assistant.send(sender, "qwrtz plonk vrmmm")) == ["fallback"]


def test_malformed_requests_are_rejected_with_400(assistant):
    for body in [b"not json", b"[]", b'{"message": "hi"}', b'{"sender": 5, "message": "hi"}',
                 b'{"sender": "a", "message": ["hi"]}', b'{"sender": "a", "message": "hi", "metadata": 3}',
                 b'{"sender": "' + b"a" * 500 + b'", "message": "hi"}', b'\xff\xfe{"sender"']:
        request = urllib.request.Request(assistant.webhook, data=body, headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=30)
        assert err.value.code == 400, body[:40]
        assert "error" in json.loads(err.value.read())
