"""Thin Rasa SDK actions: read the tracker, let bot.dialogue decide, send messages and slots.

No text lives here: every reply comes from locales/ through bot.knowledge, which reloads edited
files while the action server runs.
"""
from __future__ import annotations

import abc
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import dialogue, usage
from bot.config import LANGUAGES, settings
from bot.handoff import turns as handoff
from bot.knowledge import Knowledge, KnowledgeStore
from bot.language import Detection

FORGET_SLOT = "forget_requested"   # read by bot.trackers (kept free of Rasa-server imports here)

logger = logging.getLogger(__name__)
SETTINGS = settings().check()   # production: the action server refuses to start without the secret
_store: Optional[KnowledgeStore] = None


def knowledge() -> Knowledge:
    """The newest valid knowledge (loaded on first use, then checked for edits every second)."""
    global _store
    if _store is None:
        _store = KnowledgeStore.from_settings(SETTINGS)
    return _store.get()


def _slot(tracker: Tracker, name: str) -> Optional[str]:
    value = tracker.get_slot(name)
    return value if isinstance(value, str) and value else None


def turn_from(tracker: Tracker, kind: str) -> dialogue.Turn:
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    raw_metadata = message.get("metadata")
    metadata = raw_metadata if isinstance(raw_metadata, dict) else {}
    hint, guess = metadata.get("language"), metadata.get("language_guess")
    message_kind = metadata.get("kind")
    return dialogue.Turn(
        kind=kind,
        text=message.get("text") or "",
        intent=intent,
        detection=Detection.from_dict(message.get("detected_language")),
        entities={e.get("entity"): e.get("value") for e in message.get("entities") or []
                  if isinstance(e, dict)},
        language=_slot(tracker, "language"),
        last_answer=_slot(tracker, "last_answer"),
        pending_answer=_slot(tracker, "pending_answer"),
        channel_language=hint if hint in LANGUAGES else None,
        channel_guess=guess if guess in LANGUAGES else None,
        message_kind=message_kind if isinstance(message_kind, str) and message_kind else "text",
        ranking=tuple(r["name"] for r in message.get("intent_ranking") or []
                      if isinstance(r, dict) and r.get("name") not in (None, "nlu_fallback")),
        scores=_scores(message),
        safety_scores=_safety_scores(message),
        **handoff.turn_fields(metadata, tracker.events),   # live handoff: off unless the gateway says so
    )


def _scores(message: dict) -> dict[str, float]:
    """The model's confidence per intent (malformed entries are skipped)."""
    scores: dict[str, float] = {}
    for entry in message.get("intent_ranking") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            try:
                scores[entry["name"]] = float(entry.get("confidence") or 0.0)
            except (TypeError, ValueError):
                continue
    return scores


def _safety_scores(message: dict) -> Optional[dict[str, float]]:
    """The safety model's probability per category, or None when the model has no safety model."""
    raw = message.get("safety_scores")
    if not isinstance(raw, dict):
        return None
    return {str(k): float(v) for k, v in raw.items() if isinstance(v, (int, float))}


class AssistantAction(Action, abc.ABC):
    """Runs one kind of turn through bot.dialogue; subclasses only name the kind."""

    @property
    @abc.abstractmethod
    def kind(self) -> str:
        """The kind of turn (a key of bot.dialogue.HANDLERS); abstract so the SDK skips this class."""

    def name(self) -> Text:
        return f"action_{self.kind}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        """Never raises: the SDK would echo the request (with the user's text) in its error reply,
        which Rasa then logs. A failure is logged by type only and answered with the fallback."""
        try:
            turn = turn_from(tracker, self.kind)
            outcome = dialogue.handle(turn, knowledge(), SETTINGS)
        except Exception as err:  # noqa: BLE001 - deliberately broad, see docstring
            logger.error("%s failed (%s); sent the fallback", self.name(), type(err).__name__)
            turn = dialogue.Turn(kind="fallback", language=_slot(tracker, "language"))
            outcome = dialogue.handle(turn, knowledge(), SETTINGS)
        usage.count((reply.answer_id, reply.language) for reply in outcome.replies)
        for reply in outcome.replies:
            message = reply.as_message()
            dispatcher.utter_message(text=message["text"], buttons=message["buttons"],
                                     json_message=message["custom"])
        if outcome.forget:   # the tracker store deletes the whole record (bot/trackers.py)
            return [SlotSet(FORGET_SLOT, True), Restarted()]
        return [
            SlotSet("language", outcome.language),
            SlotSet("last_answer", outcome.last_answer),
            SlotSet("pending_answer", outcome.pending_answer),
        ]


class ActionAnswer(AssistantAction):
    kind = "answer"


class ActionGreet(AssistantAction):
    kind = "greet"


class ActionMenu(AssistantAction):
    kind = "menu"


class ActionLanguage(AssistantAction):
    kind = "language"


class ActionMore(AssistantAction):
    kind = "more"


class ActionFallback(AssistantAction):
    kind = "fallback"


class ActionForgetAsk(AssistantAction):
    kind = "forget_ask"


class ActionForget(AssistantAction):
    kind = "forget"


class ActionForgetCancel(AssistantAction):
    kind = "forget_cancel"
