"""Tracker stores that keep conversations only as long as configured and can truly forget.

Rasa 3.6 has no delete operation, and a `Restarted` event only appends to the history. These small
subclasses (configured by module path in endpoints.yml) delete the stored record when the
`forget_me` action sets the `forget_requested` slot, and drop conversations older than
`BOT_RETENTION_HOURS` (in memory: on access; in Redis: by record expiry).

They also keep only the last `BOT_MAX_EVENTS` events of a conversation. The assistant needs no
more: every action sets all its slots again (actions/actions.py), and the rules look back one
step. Without the cap every message replays and re-checks the whole conversation, so the time per
message grew with its length (27 ms at turn 10, 378 ms at turn 300; docs/benchmarks.md), and the
stored record kept more than the answer needs.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, Iterable, Optional, Text

from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import settings

logger = logging.getLogger(__name__)
FORGET_SLOT = "forget_requested"


def forget_requested(tracker: DialogueStateTracker) -> bool:
    """True when, since the latest user message, an action asked to forget this conversation."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == FORGET_SLOT and event.value:
            return True
    return False


def retention_seconds() -> float:
    return settings().retention_hours * 3600


class ForgettingMixin:
    """Deletes the record instead of saving it when the conversation asked to be forgotten, and
    keeps only the last `BOT_MAX_EVENTS` events."""

    max_event_history: Optional[int]

    async def get_or_create_tracker(self, sender_id: Text, max_event_history: Optional[int] = None,
                                    append_action_listen: bool = True) -> DialogueStateTracker:
        # Rasa passes its own (unlimited) history length here on every message; ours wins
        return await super().get_or_create_tracker(  # type: ignore[misc]
            sender_id, settings().max_events, append_action_listen)

    async def forget(self, sender_id: Text) -> None:
        raise NotImplementedError

    async def save(self, tracker: DialogueStateTracker, *args: Any, **kwargs: Any) -> None:
        if forget_requested(tracker):
            await self.forget(tracker.sender_id)
            logger.info("a conversation was deleted at the user's request")
            return
        await super().save(tracker, *args, **kwargs)  # type: ignore[misc]


class PrivateInMemoryTrackerStore(ForgettingMixin, InMemoryTrackerStore):
    """The embedded default: conversations in memory, dropped after the retention period."""

    def __init__(self, domain: Domain, event_broker: Optional[Any] = None, **kwargs: Dict[Text, Any]) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.max_event_history = settings().max_events
        self._touched: Dict[Text, float] = {}

    def _drop_expired(self) -> None:
        limit = time.time() - retention_seconds()
        for sender_id in [s for s, t in self._touched.items() if t < limit]:
            self.store.pop(sender_id, None)
            self._touched.pop(sender_id, None)

    async def forget(self, sender_id: Text) -> None:
        self.store.pop(sender_id, None)
        self._touched.pop(sender_id, None)

    async def save(self, tracker: DialogueStateTracker, *args: Any, **kwargs: Any) -> None:
        self._drop_expired()
        await super().save(tracker, *args, **kwargs)
        if tracker.sender_id in self.store:
            self._touched[tracker.sender_id] = time.time()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self._drop_expired()
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        self._drop_expired()
        return await super().retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[Text]:
        self._drop_expired()
        return list(self.store.keys())


class PrivateRedisTrackerStore(ForgettingMixin, RedisTrackerStore):
    """Production: Redis records that expire after the retention period and can be deleted."""

    def __init__(self, domain: Domain, **kwargs: Any) -> None:
        configured = kwargs.pop("record_exp", None)
        expiry = max(1, round(retention_seconds()))   # Redis expiry is whole seconds
        if configured not in (None, expiry):
            logger.warning("record_exp in endpoints.yml is ignored; BOT_RETENTION_HOURS decides expiry")
        super().__init__(domain, record_exp=expiry, **kwargs)
        self.max_event_history = settings().max_events

    async def forget(self, sender_id: Text) -> None:
        self.red.delete(self.key_prefix + sender_id)
