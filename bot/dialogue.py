"""What the assistant says in one turn, decided in plain Python (no Rasa objects here).

The Rasa actions in `actions/` only translate the tracker into a :class:`Turn` and the
:class:`Outcome` back into messages and slot events. Order of precedence in every turn:

1. safety: a danger signal puts the `emergency` answer first, exploitation signals add
   `report_trafficking`, whatever the model predicted;
2. bad input (empty, only emoji/digits, far too long, a sticker or photo) gets a kind explanation;
3. a language we don't speak gets the list of languages we do;
4. an unknown conversation language gets the five-language choice (the question is kept);
5. otherwise the action's own reply.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from bot import replies
from bot.config import FALLBACK_LANGUAGE, LANGUAGES, Settings
from bot.knowledge import Knowledge
from bot.language import Detection, conversation_language, count_words
from bot.replies import Reply

#: Conversation intents that get a system text plus the menu button.
SYSTEM_ANSWERS = {"thanks", "goodbye", "out_of_scope"}
#: An explicit language request may be typed as a very short message ("polski", "English pls").
SHORT_REQUEST_WORDS = 3


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
    pending_answer: Optional[str] = None  # a question asked before the language was known
    channel_language: Optional[str] = None  # e.g. Telegram's language_code
    message_kind: str = "text"         # channels report stickers, photos, voice... (metadata "kind")
    ranking: tuple[str, ...] = ()      # the model's intents, best first (without nlu_fallback)

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


def requested_language(turn: Turn, k: Knowledge) -> Optional[str]:
    """An explicit request: a language button/entity, or naming a language when asking for one."""
    entity = turn.entities.get("language")
    if entity in LANGUAGES:
        return entity
    if turn.is_payload:
        return None
    if turn.kind == "language" or count_words(turn.text) <= SHORT_REQUEST_WORDS:
        return k.requested_language(turn.text)
    return None


def input_problem(turn: Turn, settings: Settings) -> Optional[str]:
    """The system text for input we cannot treat as a question, or None."""
    if turn.message_kind != "text":
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
    if requested_language(turn, k) is None:
        return [replies.language_choice(k, answer_id="language_change")]
    changed = replies.system(k, "language_changed", lang, "language_change")
    if turn.pending_answer and k.has_answer(turn.pending_answer):
        out.pending_answer = None
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


def _second_opinion(turn: Turn) -> Turn:
    """A question *about* violence ("what do I do if a client gets violent?") that the model took
    for an emergency: answer with the model's next-best intent instead (or the fallback)."""
    alternatives = [i for i in turn.ranking if i not in ("emergency", "nlu_fallback")]
    if alternatives:
        return replace(turn, intent=alternatives[0])
    return replace(turn, kind="fallback", intent="nlu_fallback")


def handle(turn: Turn, k: Knowledge, settings: Settings) -> Outcome:
    """Decide the replies of one turn (see the module docstring for the order)."""
    requested = requested_language(turn, k)
    lang = conversation_language(turn.language, turn.detection, requested, turn.channel_language)
    out = Outcome([], lang, turn.last_answer, turn.pending_answer)

    safety = k.safety.assess(turn.text, prefer=lang) if not turn.is_payload else None
    if safety and safety.about_violence and turn.intent == "emergency":
        turn = _second_opinion(turn)
    safety_ids = []
    if safety and safety.danger:
        safety_ids.append("emergency")
    if safety and safety.trafficking:
        safety_ids.append("report_trafficking")
    reply_lang = lang or (safety.language if safety else None) or turn.detection.guess or FALLBACK_LANGUAGE

    problem = input_problem(turn, settings)
    if problem:
        main = [] if safety_ids and problem != "input_too_long" else [
            replies.system(k, problem, reply_lang, buttons=replies.topic_buttons(k, reply_lang))]
    elif turn.kind in LANGUAGE_FREE_KINDS:
        main = HANDLERS[turn.kind](turn, k, reply_lang, out)
    elif turn.detection.unsupported and requested is None:
        main = [replies.system(k, "other_language", reply_lang, buttons=replies.language_buttons(k))]
    elif lang is None:
        if turn.kind == "answer" and k.has_answer(turn.intent or "") and turn.intent not in safety_ids:
            out.pending_answer = turn.intent
        main = [replies.language_choice(k)]
    else:
        main = HANDLERS[turn.kind](turn, k, lang, out)

    first = [replies.answer(k, answer_id, reply_lang) for answer_id in safety_ids]
    if safety_ids and not main:
        out.last_answer = safety_ids[-1]
    out.replies = first + [r for r in main if r.answer_id not in safety_ids]
    return out
