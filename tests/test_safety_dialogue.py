"""Safety answers in a turn: first, in full, never held back, never followed by an error text."""
from dataclasses import replace

import pytest

from bot import dialogue
from bot.config import LANGUAGES, settings
from bot.language import Detection
from bot.review import APPROVED

SETTINGS = settings()
NO_SIGNAL = Detection(None, 0.0, 0)
CRITICAL = ("emergency", "crisis_suicide", "report_sexual_violence", "report_trafficking", "forget_me")


def turn(kind="answer", **fields) -> dialogue.Turn:
    return dialogue.Turn(kind=kind, **fields)


def ids(out) -> list:
    return [r.answer_id for r in out.replies]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_crisis_answer_gives_113_both_numbers_the_chat_and_112(knowledge, lang):
    text = knowledge.answer_text("crisis_suicide", lang)
    for value in ("113", "0800-0113", "113.nl", "112"):
        assert value in text, (lang, value)


def test_critical_answers_are_marked_in_the_content(knowledge):
    assert {a for a, m in knowledge.meta.items() if m.critical} == set(CRITICAL)


@pytest.mark.parametrize("text,category,answer", [
    ("help", "danger", "emergency"),
    ("i want to kill myself", "crisis", "crisis_suicide"),
    ("a client raped me last night", "sexual_violence", "report_sexual_violence"),
    ("he took my passport and i must work to pay the debt", "trafficking", "report_trafficking"),
])
def test_a_safety_message_with_no_language_signal_is_answered_at_once(knowledge, text, category, answer):
    out = dialogue.handle(turn(intent="nlu_fallback", kind="fallback", text=text, detection=NO_SIGNAL),
                          knowledge, SETTINGS)
    assert out.replies[0].answer_id == answer and out.replies[0].safety == category
    assert out.replies[0].language in LANGUAGES
    assert "greet" not in ids(out) and "fallback" not in ids(out)       # no chooser, no "did not understand"
    assert ids(out)[-1] == "language_offer"                             # the language buttons come after


@pytest.mark.parametrize("intent,kind", [("nlu_fallback", "fallback"), ("goodbye", "answer"),
                                         ("out_of_scope", "answer"), ("more", "more")])
def test_nothing_that_says_i_did_not_understand_follows_a_safety_answer(knowledge, intent, kind):
    out = dialogue.handle(turn(kind, intent=intent, text="nie chcę już żyć", language="pl",
                               detection=Detection("pl", 0.9, 4, guess="pl")), knowledge, SETTINGS)
    assert ids(out) == ["crisis_suicide"] and out.replies[0].language == "pl"


def test_a_safety_answer_keeps_the_real_answer_after_it(knowledge):
    out = dialogue.handle(turn(intent="report_ugly_mugs", text="he is hitting me, what is ugly mugs",
                               language="en", detection=Detection("en", 0.9, 7, guess="en")), knowledge, SETTINGS)
    assert ids(out) == ["emergency", "report_ugly_mugs"]


def test_the_model_adds_a_safety_answer_the_lists_missed(knowledge):
    text = "everything is grey and pointless lately"
    assert not knowledge.safety.assess(text).any
    out = dialogue.handle(turn(intent="out_of_scope", text=text, language="en",
                               detection=Detection("en", 0.9, 6, guess="en"),
                               scores={"crisis_suicide": 0.45, "out_of_scope": 0.5}), knowledge, SETTINGS)
    assert ids(out) == ["crisis_suicide"] and out.replies[0].safety == "crisis"


def test_a_caption_is_read_as_the_question(knowledge):
    out = dialogue.handle(turn(intent="report_trafficking", text="help, he took my passport", language="en",
                               message_kind="photo", detection=Detection("en", 0.9, 5, guess="en")),
                          knowledge, SETTINGS)
    assert ids(out)[:2] == ["emergency", "report_trafficking"]
    bare = dialogue.handle(turn(intent="nlu_fallback", text="", language="en", message_kind="photo"),
                           knowledge, SETTINGS)
    assert ids(bare) == ["not_text"] and bare.replies[0].language == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_review_gate_serves_critical_answers_in_full_with_every_contact(knowledge, lang):
    production = replace(knowledge, serve_unreviewed=False, reviews={})
    for answer_id in CRITICAL:
        out = dialogue.handle(turn(intent=answer_id, text=f"/{answer_id}", language=lang), production, SETTINGS)
        reply = next(r for r in out.replies if r.answer_id == answer_id)
        assert reply.text.startswith(knowledge.answer_text(answer_id, lang)), (lang, answer_id)
        assert knowledge.system_text("not_reviewed_note", lang) in reply.text
        for placeholder in ("emergency_112", "centrum_seksueel_geweld", "zelfmoordpreventie_113", "comensha"):
            if "{" + placeholder in knowledge.answers[lang][answer_id]["text"]:
                assert knowledge.contacts[placeholder]["phone"] in reply.text
    withheld = dialogue.handle(turn(intent="check_id", text="/check_id", language=lang), production, SETTINGS)
    assert ids(withheld) == ["check_id"] and withheld.replies[0].text == knowledge.system_text("unreviewed", lang)


def test_an_approved_critical_answer_has_no_note(knowledge):
    from bot import review

    entry = knowledge.answers["en"]["emergency"]
    record = review.Record(APPROVED, "SWAD", "2026-12-06", review.text_hash(entry))
    approved = replace(knowledge, serve_unreviewed=False, reviews={"en": {"emergency": record}})
    out = dialogue.handle(turn(intent="emergency", text="/emergency", language="en"), approved, SETTINGS)
    assert out.replies[0].text == knowledge.answer_text("emergency", "en")


def test_the_safety_model_adds_a_safety_answer_the_lists_missed(knowledge):
    text = "everything is grey and pointless lately"
    assert not knowledge.safety.assess(text).any
    out = dialogue.handle(turn(intent="out_of_scope", text=text, language="en",
                               detection=Detection("en", 0.9, 6, guess="en"), scores={"out_of_scope": 0.9},
                               safety_scores={"crisis": 0.55, "danger": 0.05}), knowledge, SETTINGS)
    assert ids(out) == ["crisis_suicide"] and out.replies[0].safety == "crisis"


def test_with_a_safety_model_the_intent_models_opinion_no_longer_adds_an_alarm(knowledge):
    text = "i am dead tired after this week, what are my rights for rest days"
    out = dialogue.handle(turn(intent="work_self_employed", text=text, language="en",
                               detection=Detection("en", 0.9, 12, guess="en"),
                               scores={"work_self_employed": 0.5, "crisis_suicide": 0.45},
                               safety_scores={"crisis": 0.1, "danger": 0.02}), knowledge, SETTINGS)
    assert ids(out) == ["work_self_employed"]


def test_an_unclear_disclosure_gets_each_likely_helpline(knowledge):
    text = "twice i ran and twice they waited at the station"
    assert not knowledge.safety.assess(text).any
    scores = {"danger": 0.28, "trafficking": 0.3, "sexual_violence": 0.2, "crisis": 0.1}   # together 0.88
    out = dialogue.handle(turn(intent="nlu_fallback", kind="fallback", text=text, language="en",
                               detection=Detection("en", 0.9, 9, guess="en"), safety_scores=scores),
                          knowledge, SETTINGS)
    assert ids(out) == ["emergency", "report_trafficking"]


def test_a_question_frame_in_the_messages_own_language_cancels_every_languages_match(knowledge):
    text = "is stealthing strafbaar in nederland?"
    assert knowledge.safety.assess(text).has("sexual_violence")   # "stealthing" is in every list
    assert not knowledge.safety.assess(text, prefer="nl").has("sexual_violence")


@pytest.mark.parametrize("text,category,intent,confidence,denied,doubted,unsure", [
    # the intent model is sure of an ordinary answer: a list match the safety model gives < 0.15
    ("zabije mnie ten papierkowy chaos z kvk", "danger", "work_self_employed", 0.89, 0.06, 0.3, 0.45),
    # it only leans to one: a list match the safety model all but rules out (< 0.05)
    ("czy na kontroli gemeente moga przegladac moj telefon", "trafficking", "check_data", 0.67, 0.02, 0.08, 0.4),
])
def test_a_list_match_both_models_deny_is_no_alarm(knowledge, text, category, intent, confidence, denied, doubted, unsure):
    answer = dialogue.SAFETY_CATEGORIES[category]
    assert knowledge.safety.assess(text).has(category)
    calm = turn(intent=intent, text=text, language="pl", detection=Detection("pl", 0.9, 8, guess="pl"),
                scores={intent: confidence}, safety_scores={category: denied, "crisis": 0.02})
    assert ids(dialogue.handle(calm, knowledge, SETTINGS)) == [intent]
    alarmed = replace(calm, safety_scores={category: doubted})         # the safety model does not rule it out
    assert ids(dialogue.handle(alarmed, knowledge, SETTINGS))[0] == answer
    # the intent model does not lean enough, and the safety model does not read the message as calm
    doubting = replace(calm, scores={intent: unsure},
                       safety_scores={category: denied, "crisis": 0.02, "sexual_violence": 0.25})
    assert ids(dialogue.handle(doubting, knowledge, SETTINGS))[0] == answer


@pytest.mark.parametrize("text,category,language", [
    # 'kills me', about a form ("... ta kolejka", about a queue, is a calm frame of the lists since 8964b6d)
    ("zabije mnie ten formularz z gemeente, da sie umowic online?", "danger", "pl"),
    ("fac un proiect la scoala despre trafic de persoane, ma ajuti?", "trafficking", "ro"),   # a school project
])
def test_a_list_match_in_a_message_the_safety_model_reads_as_calm_is_no_alarm(knowledge, text, category, language):
    """Even when the intent model is unsure (fallback): the safety model gives every category < 0.2
    and the matched one < 0.05."""
    assert knowledge.safety.assess(text).has(category)
    calm = turn(intent="nlu_fallback", kind="fallback", text=text, language=language,
                detection=Detection(language, 0.9, 9, guess=language),
                safety_scores={"danger": 0.01, "crisis": 0.02, "sexual_violence": 0.01, "trafficking": 0.03})
    assert not set(ids(dialogue.handle(calm, knowledge, SETTINGS))) & set(dialogue.SAFETY_CATEGORIES.values())
    worried = replace(calm, safety_scores={**calm.safety_scores, "crisis": 0.25})   # it sees something
    assert ids(dialogue.handle(worried, knowledge, SETTINGS))[0] == dialogue.SAFETY_CATEGORIES[category]


def test_crisis_phrases_are_never_vetoed(knowledge):
    text = "I hate this belastingdienst letter so much, i want to die"
    assert knowledge.safety.assess(text).has("crisis")
    out = dialogue.handle(turn(intent="work_tax", text=text, language="en", detection=Detection("en", 0.9, 12, guess="en"),
                               scores={"work_tax": 1.0}, safety_scores={"crisis": 0.01}), knowledge, SETTINGS)
    assert ids(out)[0] == "crisis_suicide"


def test_a_question_answered_with_its_safety_answer_is_not_marked_unless_the_safety_model_agrees(knowledge):
    text = "what is the punishment for stealthing in the netherlands?"
    assert knowledge.safety.assess(text).has("sexual_violence")
    question = turn(intent="report_sexual_violence", text=text, language="en",
                    detection=Detection("en", 0.9, 8, guess="en"), scores={"report_sexual_violence": 0.76},
                    safety_scores={"sexual_violence": 0.21})
    out = dialogue.handle(question, knowledge, SETTINGS)
    assert ids(out) == ["report_sexual_violence"] and out.replies[0].safety is None
    disclosure = replace(question, safety_scores={"sexual_violence": 0.8})
    assert dialogue.handle(disclosure, knowledge, SETTINGS).replies[0].safety == "sexual_violence"


def test_a_calm_frame_asks_the_safety_model_for_more_before_a_crisis_answer(knowledge):
    text = "I'm dead tired after this week lol, can i take holiday as zzp?"
    assert "crisis" in knowledge.safety.assess(text).framed
    tired = turn(intent="crisis_suicide", text=text, language="en", detection=Detection("en", 0.9, 11, guess="en"),
                 ranking=("crisis_suicide", "work_self_employed"), scores={"crisis_suicide": 0.99},
                 safety_scores={"crisis": 0.38})
    assert ids(dialogue.handle(tired, knowledge, SETTINGS)) == ["work_self_employed"]
    assert ids(dialogue.handle(replace(tired, safety_scores={"crisis": 0.6}), knowledge, SETTINGS)) == ["crisis_suicide"]


def test_a_safety_model_signal_alone_needs_more_when_the_intent_model_is_sure(knowledge):
    text = "si me hacen un control en la ventana me pueden pedir el telefono?"
    assert not knowledge.safety.assess(text).any
    check = turn(intent="check_rights", text=text, language="es", detection=Detection("es", 0.9, 12, guess="es"),
                 scores={"check_rights": 0.8}, safety_scores={"trafficking": 0.55})
    assert ids(dialogue.handle(check, knowledge, SETTINGS)) == ["check_rights"]
    assert ids(dialogue.handle(replace(check, safety_scores={"trafficking": 0.65}), knowledge, SETTINGS))[0] == "report_trafficking"
    assert ids(dialogue.handle(replace(check, scores={"check_rights": 0.6}), knowledge, SETTINGS))[0] == "report_trafficking"


def test_a_disclosure_the_writer_says_is_over_gets_its_answer_but_no_alarm(knowledge):
    text = "it was long ago, i was raped at 20, had therapy, im ok now. are there support groups?"
    assert "sexual_violence" in knowledge.safety.assess(text, prefer="en").cancelled
    past = turn(intent="report_sexual_violence", text=text, language="en", detection=Detection("en", 0.9, 16, guess="en"),
                scores={"report_sexual_violence": 0.9}, safety_scores={"sexual_violence": 0.9})
    out = dialogue.handle(past, knowledge, SETTINGS)
    assert ids(out) == ["report_sexual_violence"] and out.replies[0].safety is None
    now = replace(past, text="i was raped at the club last night, i am not ok")
    assert dialogue.handle(now, knowledge, SETTINGS).replies[0].safety == "sexual_violence"


def test_a_calm_frame_does_not_silence_a_sure_safety_model(knowledge):
    text = "me esta esperando en la esquina hace una hora y la semana pasada ya me pego"   # one clause
    assert "danger" in knowledge.safety.assess(text, prefer="es").cancelled    # "la semana pasada": the past
    two_clauses = "me esta esperando en la esquina hace una hora, la semana pasada ya me pego"
    assert knowledge.safety.assess(two_clauses, prefer="es").has("danger")     # the frame calms its own clause
    framed = turn(intent="emergency", text=text, language="es", detection=Detection("es", 0.9, 15, guess="es"),
                  ranking=("emergency", "crisis_suicide"), scores={"emergency": 0.85},
                  safety_scores={"danger": 0.95})
    assert ids(dialogue.handle(framed, knowledge, SETTINGS))[0] == "emergency"
    unsure = replace(framed, safety_scores={"danger": 0.6})   # under the frame threshold: the frame speaks
    assert ids(dialogue.handle(unsure, knowledge, SETTINGS))[0] != "emergency"
    question = "what happens when you call 112 for something that is not urgent?"   # a frame, a calm model
    assert "danger" in knowledge.safety.assess(question, prefer="en").cancelled
    calm = replace(framed, text=question, language="en", detection=Detection("en", 0.9, 13, guess="en"),
                   ranking=("emergency", "report_how"), safety_scores={"danger": 0.3})
    assert ids(dialogue.handle(calm, knowledge, SETTINGS)) == ["report_how"]


def test_a_past_frame_before_now_does_not_silence_the_safety_model(knowledge):
    # no phrase of the lists names what he does now; "maar nu" makes it today's story
    text = "Ik heb vorig jaar aangifte gedaan tegen hem maar nu loopt hij beneden heen en weer met zijn broer. wat doe ik??"
    assert not knowledge.safety.assess(text, prefer="nl").any
    assert not knowledge.safety.assess(text, prefer="nl").about_violence
    now = turn(intent="work_tax", text=text, language="nl", detection=Detection("nl", 0.9, 20, guess="nl"),
               ranking=("work_tax", "emergency"), scores={"work_tax": 0.41, "emergency": 0.21},
               safety_scores={"danger": 0.6, "crisis": 0.01, "sexual_violence": 0.09, "trafficking": 0.03})
    assert ids(dialogue.handle(now, knowledge, SETTINGS))[0] == "emergency"
    past = replace(now, text="Ik heb vorig jaar aangifte gedaan tegen hem, hij liep toen beneden heen en weer met zijn broer. wat nu?")
    assert knowledge.safety.assess(past.text, prefer="nl").about_violence   # the past frame still speaks
    assert ids(dialogue.handle(past, knowledge, SETTINGS))[0] != "emergency"


def test_an_unconfirmed_alarm_never_falls_back_to_the_other_alarm(knowledge):
    text = "this DigiD thing is driving me crazy, it wont accept my code"
    assert not knowledge.safety.assess(text).any
    unconfirmed = turn(intent="emergency", text=text, language="en", detection=Detection("en", 0.9, 11, guess="en"),
                       ranking=("emergency", "crisis_suicide", "check_data"),
                       scores={"emergency": 0.71, "crisis_suicide": 0.07, "check_data": 0.05},
                       safety_scores={"crisis": 0.32, "danger": 0.19, "sexual_violence": 0.09, "trafficking": 0.07})
    assert ids(dialogue.handle(unconfirmed, knowledge, SETTINGS)) == ["check_data"]


def test_a_report_answer_to_a_message_with_a_past_frame_is_an_answer_not_an_alarm(knowledge):
    text = "jaren geleden ben ik aangerand, het is verwerkt. kan je daar nu nog aangifte van doen?"
    assessment = knowledge.safety.assess(text, prefer="nl")
    assert assessment.has("sexual_violence") and assessment.about_violence
    question = turn(intent="report_sexual_violence", text=text, language="nl",
                    detection=Detection("nl", 0.9, 14, guess="nl"), scores={"report_sexual_violence": 0.8},
                    safety_scores={"sexual_violence": 0.7})
    out = dialogue.handle(question, knowledge, SETTINGS)
    assert ids(out) == ["report_sexual_violence"] and out.replies[0].safety is None
    recent = replace(question, text="ik ben gisteren aangerand door een klant")   # no calm frame: a disclosure
    assert dialogue.handle(recent, knowledge, SETTINGS).replies[0].safety == "sexual_violence"


def test_the_intent_models_own_crisis_answer_needs_the_safety_model_to_confirm_it(knowledge):
    text = "czy tabletke dzien po kupie bez recepty w aptece"   # the morning-after pill, at a pharmacy
    assert not knowledge.safety.assess(text).any
    unconfirmed = turn(intent="crisis_suicide", text=text, language="pl", detection=Detection("pl", 0.9, 8, guess="pl"),
                       ranking=("crisis_suicide", "health_care_no_insurance"),
                       scores={"crisis_suicide": 0.6, "health_care_no_insurance": 0.2},
                       safety_scores={"crisis": SETTINGS.safety_confirm_threshold - 0.05, "danger": 0.01})
    assert ids(dialogue.handle(unconfirmed, knowledge, SETTINGS)) == ["health_care_no_insurance"]
    confirmed = replace(unconfirmed, safety_scores={"crisis": SETTINGS.safety_confirm_threshold + 0.01})
    assert ids(dialogue.handle(confirmed, knowledge, SETTINGS))[0] == "crisis_suicide"


def test_the_intent_models_crisis_answer_to_an_idiom_waits_for_a_sure_safety_model(knowledge):
    """A crisis phrase a `not_crisis` frame cancels ("me quiero morir de la vergüenza": 'I could die of
    shame'): the intent model's own 113 answer needs the safety model at the frame threshold (0.9),
    as every signal a calm frame silences."""
    text = "me quiero morir de la verguenza, le mande el mensaje al cliente equivocado"
    assert "crisis" in knowledge.safety.assess(text).cancelled
    ashamed = turn(intent="crisis_suicide", text=text, language="es", detection=Detection("es", 0.9, 12, guess="es"),
                   ranking=("crisis_suicide", "help_human"), scores={"crisis_suicide": 0.7, "help_human": 0.2},
                   safety_scores={"crisis": 0.6, "danger": 0.02})
    assert ids(dialogue.handle(ashamed, knowledge, SETTINGS)) == ["help_human"]
    sure = replace(ashamed, safety_scores={"crisis": 0.95, "danger": 0.02})
    assert ids(dialogue.handle(sure, knowledge, SETTINGS))[0] == "crisis_suicide"


@pytest.mark.parametrize("text,lang,answer", [
    # a past frame, then words that bring the story back to now (the `now` lists)
    ("anul trecut m-a lovit si am tacut, dar acum iar ma loveste. ajutati ma", "ro", "emergency"),
    ("last year he hit me and i kept quiet, but now he hits me again", "en", "emergency"),
    # "just in case" speaks for the question only when it is one ("I ask just in case")
    ("me forzaron. no se q hacer, no me quiero duchar por si acaso", "es", "report_sexual_violence"),
])
def test_the_real_lists_keep_a_disclosure_a_calm_word_stands_next_to(knowledge, text, lang, answer):
    out = dialogue.handle(turn(intent="out_of_scope", text=text, language=lang,
                               detection=Detection(lang, 0.9, 10, guess=lang)), knowledge, SETTINGS)
    assert out.replies[0].answer_id == answer and out.replies[0].safety


@pytest.mark.parametrize("text,lang", [
    ("last year he hit me, but now i am fine. can i still report it?", "en"),
    ("como se reconoce si una chica nueva esta siendo explotada? quiero saber por si acaso", "es"),
])
def test_the_real_lists_keep_a_calm_question_calm(knowledge, text, lang):
    out = dialogue.handle(turn(intent="report_how", text=text, language=lang,
                               detection=Detection(lang, 0.9, 10, guess=lang)), knowledge, SETTINGS)
    assert not any(r.safety for r in out.replies) and ids(out)[0] == "report_how"
