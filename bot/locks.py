"""A Redis lock store that really serialises one sender's messages across Rasa replicas.

Rasa 3.6's `RedisLockStore` keeps each conversation's ticket lock as one Redis value and changes
it by reading, changing and writing it back in separate steps. When two replicas receive messages
of the same sender at the same moment, both can read "no lock", both create one and both take the
first ticket: the two turns then run side by side and one of them is lost when the trackers are
saved (seen in tests/test_replicas.py, about one run in two). This subclass guards each of those
read-change-write steps with a short Redis mutex (an atomic `SET NX` with expiry, via redis-py's
`Lock`), so tickets are handed out one at a time. Configured by module path in
endpoints.production.yml.
"""
from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

#: Seconds a guard may be held (a crashed replica frees it after this) and may be waited for.
GUARD_SECONDS = 10


class SerialRedisLockStore(RedisLockStore):
    """`RedisLockStore` with atomic ticket handling (see the module docstring)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa hands a lock store given by module path its whole endpoint configuration.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost",
                      **{k: v for k, v in endpoint_config.kwargs.items() if k != "type"}, **kwargs}
        super().__init__(**kwargs)

    def _guard(self, conversation_id: Text):
        return self.red.lock(f"{self.key_prefix}guard:{conversation_id}", timeout=GUARD_SECONDS,
                             blocking_timeout=GUARD_SECONDS)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._guard(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._guard(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._guard(conversation_id):
            super().cleanup(conversation_id, ticket_number)
