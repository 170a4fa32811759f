"""Live handoff, the dialogue's side (bot.handoff.turns via bot.dialogue.handle): the offer, consent,
relaying while handed off with safety first, stopping and forgetting; with the real knowledge files."""
import shutil

import pytest

from bot import dialogue
from bot import knowledge as knowledge_module
from bot.config import LANGUAGES, settings
from bot.handoff import turns
from bot.language import Detection
from bot.paths import LOCALES

SETTINGS = settings()
DANGER = {"nl": "help, hij slaat me", "en": "help, he is hitting me", "es": "ayuda, me está pegando",
          "pl": "pomocy, on mnie bije", "ro": "ajutor, mă bate"}


def turn(lang: str, kind: str = "answer", **fields) -> dialogue.Turn:
    fields.setdefault("detection", Detection(lang, 1.0, 5))
    return dialogue.Turn(kind=kind, language=lang, **fields)


def ids(out) -> list[str]:
    return [r.answer_id for r in out.replies]


def directive(out) -> dict:
    return next(r.as_message()["custom"]["handoff"] for r in out.replies if r.handoff)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_off_by_default_nothing_changes(knowledge, lang):
    plain = dialogue.handle(turn(lang, intent="help_human", text="/help_human"), knowledge, SETTINGS)
    assert ids(plain) == ["help_human"] and not any(r.handoff for r in plain.replies)
    forget = dialogue.handle(turn(lang, "forget", text="/affirm"), knowledge, SETTINGS)
    assert forget.replies[0].as_message()["custom"] == {"answer_id": "forget_me", "language": lang}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_human_offers_a_person_with_consent_or_gives_the_referral(knowledge, lang):
    available = dialogue.handle(turn(lang, intent="help_human", text="/help_human", handoff="available"),
                                knowledge, SETTINGS)
    assert ids(available) == ["help_human", "handoff_offer"], "the referral stays: nothing is lost"
    offer = available.replies[1]
    assert offer.text == knowledge.handoff_text("user", "offer", lang)
    assert SETTINGS.retention_text in offer.text, "the consent says how long it is kept"
    assert offer.buttons == ((knowledge.handoff_text("buttons", "start", lang), turns.start_payload()),)
    for state in ("outside_hours", "unreachable"):
        out = dialogue.handle(turn(lang, intent="help_human", text="/help_human", handoff=state), knowledge, SETTINGS)
        assert ids(out) == [f"handoff_{state}", "help_human"]
        assert out.replies[0].text == knowledge.handoff_text("user", state, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_consent_opens_a_case_with_language_and_last_answers(knowledge, lang):
    consent = turn(lang, intent="help_human", text=turns.start_payload(), entities={"handoff": "start"},
                   handoff="available", recent_answers=("check_id", "not_an_answer", "help_human"))
    out = dialogue.handle(consent, knowledge, SETTINGS)
    assert ids(out) == ["handoff_connecting"]
    assert directive(out) == {"do": "open", "language": lang, "recent": ["check_id", "help_human"]}
    assert out.replies[0].buttons == (turns.stop_button(knowledge, lang),)
    late = dialogue.handle(turn(lang, intent="help_human", text=turns.start_payload(), entities={"handoff": "start"},
                                handoff="outside_hours"), knowledge, SETTINGS)
    assert ids(late) == ["handoff_outside_hours", "help_human"] and not any(r.handoff for r in late.replies)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_while_handed_off_typed_text_goes_to_staff_with_the_suggested_answer(knowledge, lang):
    out = dialogue.handle(turn(lang, intent="check_id", text="a question typed by the user", handoff="active",
                               last_answer="help_human"), knowledge, SETTINGS)
    assert ids(out) == ["handoff_relay"] and out.replies[0].text == ""
    assert directive(out) == {"do": "relay", "safety": [], "suggest": "check_id"}
    assert out.last_answer == "help_human", "tell me more still means the last answer the bot gave"
    photo = dialogue.handle(turn(lang, text="", message_kind="photo", handoff="active"), knowledge, SETTINGS)
    assert ids(photo) == ["not_text", "handoff_relay"] and directive(photo)["suggest"] is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_danger_while_handed_off_gets_the_emergency_answer_first_and_staff_are_told(knowledge, lang):
    out = dialogue.handle(turn(lang, intent="check_id", text=DANGER[lang], handoff="active"), knowledge, SETTINGS)
    assert ids(out)[0] == "emergency" and "112" in out.replies[0].text
    assert ids(out)[-1] == "handoff_relay" and directive(out)["safety"][0] == "emergency"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_stop_words_and_the_stop_button_end_the_chat(knowledge, lang):
    for word in knowledge.handoff[lang]["stop_words"]:
        out = dialogue.handle(turn(lang, intent="goodbye", text=f"{word.upper()}!", handoff="active"),
                              knowledge, SETTINGS)
        assert ids(out) == ["handoff_ended_by_user"] and directive(out) == {"do": "end"}, word
    button = dialogue.handle(turn(lang, intent="help_human", text=turns.stop_payload(), entities={"handoff": "stop"},
                                  handoff="active"), knowledge, SETTINGS)
    assert ids(button) == ["handoff_ended_by_user"]
    assert not any(r.handoff for r in dialogue.handle(
        turn(lang, intent="goodbye", text="stop", handoff="available"), knowledge, SETTINGS).replies)


def test_buttons_and_forget_me_work_as_usual_while_handed_off(knowledge):
    menu = dialogue.handle(turn("pl", "menu", text="/menu", handoff="active"), knowledge, SETTINGS)
    assert ids(menu) == ["menu"]
    ask = dialogue.handle(turn("pl", "forget_ask", text="zapomnij o mnie", handoff="active"), knowledge, SETTINGS)
    assert ids(ask) == ["forget_me"] and not ask.replies[0].handoff
    done = dialogue.handle(turn("pl", "forget", text="/affirm", handoff="active"), knowledge, SETTINGS)
    assert done.forget and directive(done) == {"do": "forget"}
    again = dialogue.handle(turn("pl", intent="help_human", text=turns.start_payload(), entities={"handoff": "start"},
                                 handoff="active"), knowledge, SETTINGS)
    assert ids(again) == ["handoff_already_open"] and not again.replies[0].handoff


def test_recent_answers_come_from_the_bots_messages():
    events = [{"event": "user", "text": "x"},
              {"event": "bot", "data": {"custom": {"answer_id": "check_id"}}},
              {"event": "bot", "data": {"custom": {"answer_id": "help_human"}}},
              {"event": "bot", "data": {"custom": {"answer_id": "check_id"}}},
              {"event": "bot", "data": None}, "odd", {"event": "bot", "data": {"custom": "x"}},
              {"event": "bot", "data": {"custom": {"answer_id": "privacy"}}},
              {"event": "bot", "data": {"custom": {"answer_id": "health_costs"}}}]
    assert turns.recent_answers(events) == ("check_id", "privacy", "health_costs")
    assert turns.turn_fields({"handoff": "active"}, events)["handoff"] == "active"
    assert turns.turn_fields({"handoff": "anything else"}, events) == {"handoff": None, "recent_answers": ()}
    assert turns.turn_fields(None, events)["handoff"] is None


def test_handoff_texts_are_checked_like_every_other_text(tmp_path):
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy)
    path = copy / "ro" / "handoff.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  joined:", "  renamed_joined:")
    text = text.replace("  stop: Înapoi la bot", "  stop: Înapoi la bot, te rog frumos")
    path.write_text(text.replace("{retention_hours}", "{retention_days}"), encoding="utf-8")
    (copy / "es" / "handoff.yml").write_text(
        (copy / "es" / "handoff.yml").read_text(encoding="utf-8").replace("{staff} ya atiende", "Ya atiende"),
        encoding="utf-8")
    (copy / "pl" / "handoff.yml").unlink()
    with pytest.raises(knowledge_module.KnowledgeError) as err:
        knowledge_module.load(copy)
    found = [str(p) for p in err.value.problems]
    assert any("locales/ro/handoff.yml" in p and "missing translation: user.joined" in p for p in found), found
    assert any("locales/ro/handoff.yml" in p and "unknown placeholder {retention_days}" in p for p in found)
    assert any("locales/ro/handoff.yml" in p and "buttons.stop is" in p and "limit of 20" in p for p in found)
    assert any("locales/es/handoff.yml" in p and "staff.already_claimed" in p and "differ from English" in p
               for p in found)
    assert any("locales/pl/handoff.yml:1: file is missing" in p for p in found)
