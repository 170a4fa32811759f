"""The decisions of one turn (bot.dialogue), with the real knowledge files, for each language."""
import pytest

from bot import dialogue
from bot.config import LANGUAGES, settings
from bot.language import Detection, detect

SETTINGS = settings()


def turn(kind="answer", **fields) -> dialogue.Turn:
    return dialogue.Turn(kind=kind, **fields)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_answer_action_renders_the_answer_in_the_conversation_language(knowledge, lang):
    out = dialogue.handle(turn(intent="check_id", text="/check_id", language=lang), knowledge, SETTINGS)
    [reply] = out.replies
    assert reply.answer_id == "check_id" and reply.language == lang
    assert reply.text.startswith(knowledge.answer_text("check_id", lang))   # + "not checked yet" note
    titles = [t for t, _ in reply.buttons]
    assert knowledge.button("menu", lang) in titles
    assert knowledge.title("check_rights", lang) in titles      # a related answer
    assert out.last_answer == "check_id" and out.language == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_more_shows_the_rest_of_the_last_answer(knowledge, lang):
    answer_id = next(a for a in knowledge.meta if knowledge.answer_more(a, lang))
    out = dialogue.handle(turn("more", text="/more", language=lang, last_answer=answer_id), knowledge, SETTINGS)
    assert out.replies[0].text == knowledge.answer_more(answer_id, lang)


NO_SIGNAL = Detection(None, 0.0, 0)
UNSURE_RO = Detection(None, 0.5, 4, guess="ro")


def test_a_first_message_without_language_signal_offers_the_choice_and_keeps_the_question(knowledge):
    out = dialogue.handle(turn(intent="check_id", text="ID?", detection=NO_SIGNAL), knowledge, SETTINGS)
    assert [r.answer_id for r in out.replies] == ["greet"]
    assert len(out.replies[0].buttons) == len(LANGUAGES) and out.pending_answer == "check_id"
    chosen = dialogue.handle(turn("language", text='/language{"language":"ro"}', entities={"language": "ro"},
                                  pending_answer="check_id"), knowledge, SETTINGS)
    assert [(r.answer_id, r.language) for r in chosen.replies] == [("language_change", "ro"), ("check_id", "ro")]


def test_an_unsure_first_question_is_answered_at_once_in_the_best_guess_with_language_buttons(knowledge):
    out = dialogue.handle(turn(intent="check_id", text="trebuie buletin la control", detection=UNSURE_RO),
                          knowledge, SETTINGS)
    assert [(r.answer_id, r.language) for r in out.replies] == [("check_id", "ro"), ("language_offer", "ro")]
    offer = out.replies[-1]
    assert offer.text == knowledge.system_text("not_your_language", "ro") and len(offer.buttons) == len(LANGUAGES)
    assert out.language == "ro" and out.pending_answer == "check_id"
    # one tap switches the language and repeats the answer
    pl = next(p for _, p in offer.buttons if '"pl"' in p)
    switched = dialogue.handle(turn("language", text=pl, entities={"language": "pl"}, language="ro",
                                    pending_answer=out.pending_answer), knowledge, SETTINGS)
    assert [(r.answer_id, r.language) for r in switched.replies] == [("language_change", "pl"), ("check_id", "pl")]
    assert switched.language == "pl" and switched.last_answer == "check_id"


def test_a_sure_first_question_has_no_language_buttons(knowledge):
    out = dialogue.handle(turn(intent="check_id", text="czy muszę pokazać dowód podczas kontroli",
                               detection=Detection("pl", 0.97, 6, guess="pl")), knowledge, SETTINGS)
    assert [r.answer_id for r in out.replies] == ["check_id"] and out.pending_answer is None


def test_typed_language_request_switches(knowledge):
    out = dialogue.handle(turn("language", text="po polsku prosze", language="en",
                               detection=detect("po polsku prosze")), knowledge, SETTINGS)
    assert out.language == "pl" and out.replies[0].language == "pl"


def test_danger_puts_the_emergency_answer_first_whatever_the_intent(knowledge):
    out = dialogue.handle(turn(intent="check_home", text="he is hitting me, can police come in my house",
                               language="en", detection=detect("he is hitting me")), knowledge, SETTINGS)
    assert [r.answer_id for r in out.replies][:1] == ["emergency"]
    assert "112" in out.replies[0].text


def test_danger_cry_in_unknown_language_is_answered_in_that_language(knowledge):
    out = dialogue.handle(turn(intent="greet", text="ajutor", detection=detect("ajutor")), knowledge, SETTINGS)
    assert (out.replies[0].answer_id, out.replies[0].language) == ("emergency", "ro")


@pytest.mark.parametrize("text,key", [("", "input_empty"), ("   ", "input_empty"),
                                      ("😀😀😀", "input_no_words"), ("12345", "input_no_words"),
                                      ("a" * 10_000, "input_too_long")])
def test_bad_input_gets_a_kind_reply_in_the_conversation_language(knowledge, text, key):
    out = dialogue.handle(turn(intent="nlu_fallback", text=text, language="es",
                               detection=detect(text)), knowledge, SETTINGS)
    assert [(r.answer_id, r.language) for r in out.replies] == [(key, "es")]
    assert out.replies[0].buttons   # always a way on


def test_unsupported_language_lists_the_ones_we_speak(knowledge):
    text = "Ich brauche Hilfe mit meiner Krankenversicherung in den Niederlanden"
    out = dialogue.handle(turn(intent="health_insurance_must", text=text, language="pl",
                               detection=detect(text)), knowledge, SETTINGS)
    assert out.replies[0].answer_id == "other_language" and out.replies[0].language == "pl"


def test_forget_clears_the_conversation_state(knowledge):
    out = dialogue.handle(turn("forget", text="/affirm", language="nl", last_answer="check_id"), knowledge, SETTINGS)
    assert out.forget and out.replies[0].answer_id == "forget_me" and out.replies[0].language == "nl"


def test_a_sticker_or_photo_gets_a_kind_reply_in_the_conversation_language(knowledge):
    out = dialogue.handle(turn(intent="nlu_fallback", text="", language="ro", message_kind="sticker"),
                          knowledge, SETTINGS)
    assert [(r.answer_id, r.language) for r in out.replies] == [("not_text", "ro")]


def test_question_about_violence_predicted_as_emergency_gets_the_next_best_answer(knowledge):
    text = "what should i do if a client becomes violent?"
    assert knowledge.safety.assess(text).about_violence, "needs a not_danger phrase in locales/en/safety.yml"
    out = dialogue.handle(turn(intent="emergency", text=text, language="en", detection=detect(text),
                               ranking=("emergency", "report_how")), knowledge, SETTINGS)
    assert [r.answer_id for r in out.replies] == ["report_how"]
