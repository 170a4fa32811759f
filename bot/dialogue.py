"""What the assistant says in one turn, decided in plain Python (no Rasa objects here).

The Rasa actions in `actions/` only translate the tracker into a :class:`Turn` and the
:class:`Outcome` back into messages and slot events. Order of precedence in every turn:

1. safety: a message that signals danger, suicidal thoughts, sexual violence or exploitation gets
   that category's answer first (`emergency`, `crisis_suicide`, `report_sexual_violence`,
   `report_trafficking`), from the phrase lists whatever the model says, or from the model when
   it is confident. Safety answers never wait: not for a language choice, a review, or the
   bad-input reply; and nothing that says "I did not understand" follows them;
2. bad input (empty, only emoji/digits, far too long, media without a caption) gets a kind
   explanation;
3. a language we don't speak gets the list of languages we do;
4. a first message with no language signal at all gets the five-language choice (the question is
   kept); an unsure one is answered in the best guess, with the language buttons under it;
5. otherwise the action's own reply.

Live handoff to staff (bot/handoff/turns.py) comes last, on top of these replies: while a person
from the staff is in the chat, a typed message goes to them instead of getting the bot's answer,
but a safety answer still comes first.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Optional

from bot import language, replies
from bot.config import FALLBACK_LANGUAGE, Settings
from bot.handoff import turns as handoff
from bot.knowledge import Knowledge
from bot.language import Decision, Detection, count_words
from bot.replies import Reply
from bot.safety import CATEGORIES as SAFETY_CATEGORIES
from bot.safety import model_categories

#: Conversation intents that get a system text plus the menu button.
SYSTEM_ANSWERS = {"thanks", "goodbye", "out_of_scope"}
#: The intent (= answer id) of each safety category, for the model's second opinion.
SAFETY_INTENTS = {answer: category for category, answer in SAFETY_CATEGORIES.items()}
#: The answers that are an alarm whenever they are given (112, 113), unlike a question's answer.
ALARM_INTENTS = (SAFETY_CATEGORIES["danger"], SAFETY_CATEGORIES["crisis"])


@dataclass(frozen=True)
class Turn:
    """Everything one turn needs to know, taken from the tracker."""

    kind: str                          # answer, greet, menu, language, more, fallback, forget_*
    text: str = ""
    intent: Optional[str] = None
    detection: Detection = field(default_factory=lambda: Detection(None, 0.0, 0))
    entities: dict = field(default_factory=dict)
    language: Optional[str] = None     # the conversation language so far (slot)
    last_answer: Optional[str] = None  # for "tell me more" (slot)
    pending_answer: Optional[str] = None  # repeated when the user picks a language (slot)
    channel_language: Optional[str] = None  # e.g. Telegram's language_code
    channel_guess: Optional[str] = None     # e.g. the country of a WhatsApp sender's number
    message_kind: str = "text"         # channels report stickers, photos, voice... (metadata "kind")
    ranking: tuple[str, ...] = ()      # the model's intents, best first (without nlu_fallback)
    scores: Mapping[str, float] = field(default_factory=dict)  # the model's confidence per intent
    safety_scores: Optional[Mapping[str, float]] = None  # the safety model's, per category (None: no such model)
    handoff: Optional[str] = None      # live handoff: what the gateway says (bot/handoff/turns.py)
    recent_answers: tuple[str, ...] = ()  # live handoff: the bot's last answer ids, for staff

    @property
    def is_payload(self) -> bool:
        """A button press or command (`/intent{...}`): no free text to check."""
        return self.text.startswith("/")


@dataclass
class Outcome:
    replies: list[Reply]
    language: Optional[str]
    last_answer: Optional[str]
    pending_answer: Optional[str]
    forget: bool = False
    requested: Optional[str] = None   # the language the user asked for in this turn, if any


def decide_language(turn: Turn, k: Knowledge) -> Decision:
    return language.decide(
        turn.detection, current=turn.language, text=turn.text, language_words=k.language_words,
        entity=turn.entities.get("language"), asks_for_language=turn.kind == "language",
        is_payload=turn.is_payload, channel_hint=turn.channel_language, channel_guess=turn.channel_guess)


def input_problem(turn: Turn, settings: Settings) -> Optional[str]:
    """The system text for input we cannot treat as a question, or None. Media with a caption
    is read as text: the caption is the user's question."""
    if turn.message_kind != "text" and not turn.text.strip():
        return "not_text"
    if turn.is_payload:
        return None
    if not turn.text.strip():
        return "input_empty"
    if len(turn.text) > settings.max_message_chars:
        return "input_too_long"
    if count_words(turn.text) == 0:
        return "input_no_words"
    return None


@dataclass(frozen=True)
class Safety:
    categories: tuple[str, ...] = ()   # in answer order
    put_first: tuple[str, ...] = ()    # those that change the reply: not the model's own answer
    language: Optional[str] = None     # the language of the list that matched
    about_violence: bool = False       # a question about violence or a past event (not_danger)
    framed: tuple[str, ...] = ()       # categories a not_<category> phrase spoke of ("dead tired")


def _vetoed(turn: Turn, listed: tuple[str, ...], signalled: set[str], settings: Settings) -> set[str]:
    """The categories both models deny, when the intent model is sure of an ordinary answer
    (`settings.safety_veto_confidence`): a list match the safety model gives less than
    `settings.safety_veto_threshold` ("declaratia de impozit ma omoara": 'it kills me', about a tax
    return); and a signal of the safety model alone under `settings.safety_overrule_threshold` ("can
    they ask for my phone at a check?" is a question about checks). When the intent model only
    leans to an ordinary answer (`settings.safety_lean_confidence`), or the safety model reads the
    whole message as calm (every category under `settings.safety_calm_ceiling`, whatever the intent
    model), a list match the safety model all but rules out (`settings.safety_lean_threshold`).
    Never when the intent model itself chose a safety answer, and crisis is never vetoed: a joke
    about dying costs a line about 113, a missed crisis costs more."""
    scores = turn.safety_scores
    if scores is None or turn.kind not in ("answer", "fallback") or SAFETY_INTENTS.get(turn.intent or ""):
        return set()
    confidence = turn.scores.get(turn.intent or "", 0.0) if turn.kind == "answer" else 0.0
    if confidence >= settings.safety_veto_confidence:
        denied = {c for c in listed if scores.get(c, 0.0) < settings.safety_veto_threshold}
        denied |= {c for c in signalled - set(listed) if scores.get(c, 0.0) < settings.safety_overrule_threshold}
    elif (confidence >= settings.safety_lean_confidence
          or max(scores.values(), default=0.0) < settings.safety_calm_ceiling):
        denied = {c for c in listed if scores.get(c, 0.0) < settings.safety_lean_threshold}
    else:
        return set()
    return denied - {"crisis"}


def assess_safety(turn: Turn, k: Knowledge, prefer: Optional[str], settings: Settings) -> Safety:
    """The safety categories of this message. The phrase lists decide, unless both models deny it
    (:func:`_vetoed`); the safety model (bot.nlu.safety_classifier) adds categories by the
    thresholds in `settings` (a model without it: the intent model's confidence in a safety
    answer), unless the lists recognised a question *about* it (a `not_<category>` phrase) and
    the safety model is under `settings.safety_frame_threshold` for it. The
    model's own best answer is not "put first", it is the answer: unless the lists matched it, with
    no calm frame of the lists, and the safety model agrees it is a disclosure ("is stealthing a
    crime?" and "years ago I was assaulted, can I still report it?" get the sexual-violence answer as
    an answer, "he took the condom off" as a safety answer)."""
    if turn.is_payload or not turn.text.strip():
        return Safety()
    assessment = k.safety.assess(turn.text, prefer=prefer)
    scores = turn.safety_scores
    if scores is not None:
        signalled = model_categories(scores, settings.safety_model_threshold,
                                     settings.safety_any_threshold, settings.safety_second_threshold)
    else:
        signalled = {category for intent, category in SAFETY_INTENTS.items()
                     if turn.scores.get(intent, 0.0) >= settings.safety_model_threshold}
    vetoed = _vetoed(turn, assessment.categories, signalled, settings)
    listed = set(assessment.categories) - vetoed
    # a calm frame silences the safety model's signal of its category, unless the model is sure
    sure = {c for c in signalled if scores is not None and scores.get(c, 0.0) >= settings.safety_frame_threshold}
    heard = (signalled - set(assessment.cancelled)) | sure
    found = listed | (heard - vetoed)
    categories = tuple(c for c in SAFETY_CATEGORIES if c in found)
    own = SAFETY_INTENTS.get(turn.intent or "") if turn.kind == "answer" else None
    # a past or a question frame ("years ago", "is it a crime?") makes a report answer the answer to a
    # question, whatever the models (112 and 113 are alarms whenever they are given)
    spoken_of = own in ("sexual_violence", "trafficking") and (own in assessment.framed or assessment.about_violence)
    confirmed = (own in listed and not spoken_of
                 and (scores is None or scores.get(own, 0.0) >= settings.safety_model_threshold))
    put_first = tuple(c for c in categories if c != own or confirmed)
    return Safety(categories, put_first, assessment.language, assessment.about_violence, assessment.framed)


# ------------------------------------------------------------------------ per-action replies

Handler = Callable[[Turn, Knowledge, str, Outcome], list[Reply]]


def _answer(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    intent = turn.intent or ""
    if k.has_answer(intent):
        out.last_answer = intent
        return [replies.answer(k, intent, lang)]
    if intent in SYSTEM_ANSWERS:
        return [replies.system(k, intent, lang, buttons=(replies.menu_button(k, lang),))]
    return [replies.menu(k, lang)]   # affirm/deny with nothing to confirm, or an unknown intent


def _greet(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    return [replies.menu(k, lang, text_key="greet", answer_id="greet")]


def _menu(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    return [replies.menu(k, lang, topic=turn.entities.get("topic"))]


def _language(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    if out.requested is None:
        return [replies.language_choice(k, answer_id="language_change")]
    changed = replies.system(k, "language_changed", lang, "language_change")
    if turn.pending_answer and k.has_answer(turn.pending_answer):   # switch and repeat
        out.last_answer = turn.pending_answer
        return [changed, replies.answer(k, turn.pending_answer, lang)]
    return [replace(changed, buttons=replies.topic_buttons(k, lang))]


def _more(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    reply = replies.more(k, turn.last_answer, lang) if turn.last_answer and k.has_answer(turn.last_answer) else None
    return [reply or replies.system(k, "no_more", lang, buttons=replies.topic_buttons(k, lang))]


def _fallback(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    return [replies.system(k, "fallback", lang, buttons=replies.help_buttons(k, lang))]


def _forget_ask(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    buttons = ((k.button("yes", lang), replies.payload("affirm")), (k.button("no", lang), replies.payload("deny")))
    return [replies.system(k, "forget_confirm", lang, "forget_me", buttons)]


def _forget(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    out.forget = True
    out.language, out.last_answer, out.pending_answer = None, None, None
    return [replies.answer(k, "forget_me", lang)]


def _forget_cancel(turn: Turn, k: Knowledge, lang: str, out: Outcome) -> list[Reply]:
    return [replies.system(k, "forget_cancelled", lang, "forget_me", replies.topic_buttons(k, lang))]


HANDLERS: dict[str, Handler] = {
    "answer": _answer, "greet": _greet, "menu": _menu, "language": _language, "more": _more,
    "fallback": _fallback, "forget_ask": _forget_ask, "forget": _forget,
    "forget_cancel": _forget_cancel,
}
#: Kinds that must work even before we know the user's language.
LANGUAGE_FREE_KINDS = {"forget_ask", "forget", "forget_cancel"}


def _unconfirmed_alarm(turn: Turn, safety: Safety, settings: Settings) -> bool:
    """The intent model chose the emergency or crisis answer, but nothing that knows about safety
    agrees: the lists recognised a question *about* violence; or they spoke of the category in a
    calm way ("dead tired", "morir de la vergüenza") and the safety model does not reach
    `settings.safety_frame_threshold`, as for any signal a calm frame silences; or the safety model
    (trained to tell "I'm dead tired" from a disclosure, which the intent model is not) gives that
    category less than `settings.safety_confirm_threshold`."""
    own = SAFETY_INTENTS.get(turn.intent or "") if turn.kind == "answer" else None
    if own not in ("danger", "crisis") or own in safety.categories:
        return False
    if own == "danger" and safety.about_violence:
        return True
    if turn.safety_scores is None:
        return False
    score = turn.safety_scores.get(own, 0.0)
    needed = settings.safety_frame_threshold if own in safety.framed else settings.safety_confirm_threshold
    return score < needed


def _second_opinion(turn: Turn) -> Turn:
    """An emergency or crisis answer nothing confirms (:func:`_unconfirmed_alarm`): answer with the
    model's next-best intent instead (or the fallback); never the other alarm, which nothing
    confirmed either ("this DigiD thing is driving me crazy": emergency, then crisis)."""
    alternatives = [i for i in turn.ranking if i not in (turn.intent, "nlu_fallback", *ALARM_INTENTS)]
    if alternatives:
        return replace(turn, intent=alternatives[0])
    return replace(turn, kind="fallback", intent="nlu_fallback")


def _main_replies(turn: Turn, k: Knowledge, decision: Decision, reply_lang: Optional[str],
                  settings: Settings, out: Outcome) -> list[Reply]:
    """The turn's own reply, before safety answers are put in front of it."""
    lang = reply_lang or FALLBACK_LANGUAGE
    problem = input_problem(turn, settings)
    if problem in ("input_empty", "input_no_words") and reply_lang is None and turn.message_kind == "text":
        return [replies.language_choice(k)]   # "👋" or "?" as a first message: we greet, in five languages
    if problem:
        return [replies.system(k, problem, lang, buttons=replies.topic_buttons(k, lang))]
    if turn.kind in LANGUAGE_FREE_KINDS:
        return HANDLERS[turn.kind](turn, k, lang, out)
    if decision.unsupported:
        return [replies.system(k, "other_language", lang, buttons=replies.language_buttons(k))]
    if reply_lang is None:
        if turn.kind == "answer" and k.has_answer(turn.intent or ""):
            out.pending_answer = turn.intent
        return [replies.language_choice(k)]
    return HANDLERS[turn.kind](turn, k, reply_lang, out)


def handle(turn: Turn, k: Knowledge, settings: Settings) -> Outcome:
    """Decide the replies of one turn (see the module docstring for the order)."""
    decision = decide_language(turn, k)
    out = Outcome([], decision.language, turn.last_answer, None, requested=decision.requested)
    safety = assess_safety(turn, k, decision.language or turn.detection.guess, settings)
    categories = safety.categories
    if _unconfirmed_alarm(turn, safety, settings):
        turn = _second_opinion(turn)

    reply_lang = decision.language
    if categories and reply_lang is None and not decision.unsupported:   # never hold a safety answer back
        reply_lang = turn.detection.guess or safety.language or turn.channel_language or FALLBACK_LANGUAGE
        decision = replace(decision, language=reply_lang, sure=False)
        out.language = reply_lang

    main = _main_replies(turn, k, decision, reply_lang, settings, out)
    safety_lang = reply_lang or FALLBACK_LANGUAGE
    first = [replies.answer(k, SAFETY_CATEGORIES[c], safety_lang, safety=c if c in safety.put_first else None)
             for c in categories]
    shown = {r.answer_id for r in first}
    if first:   # after a safety answer only real answers follow: no chooser, fallback or goodbye
        main = [r for r in main if r.answer_id not in shown and (k.has_answer(r.answer_id) or r.answer_id == "language_change")]
        out.last_answer = next((r.answer_id for r in reversed(main) if k.has_answer(r.answer_id)), first[-1].answer_id)
    out.replies = first + main

    if not decision.sure and decision.language and out.replies and not out.forget:
        answered = [r.answer_id for r in out.replies if k.has_answer(r.answer_id)]
        out.pending_answer = answered[-1] if answered else None   # a language tap repeats it
        out.replies.append(replies.language_offer(k, decision.language))
    return handoff.after_turn(turn, k, out)   # live handoff (off unless a gateway says otherwise)
