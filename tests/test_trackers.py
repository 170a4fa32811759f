"""Deletion and retention in the tracker stores themselves (in memory and a real Redis)."""
import asyncio
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import DOMAIN
from bot.trackers import FORGET_SLOT, PrivateInMemoryTrackerStore, PrivateRedisTrackerStore

DOMAIN_OBJ = Domain.load(str(DOMAIN))


def tracker(sender: str, forget: bool = False) -> DialogueStateTracker:
    events = [UserUttered("hallo", {"name": "greet", "confidence": 1.0})]
    if forget:
        events.append(SlotSet(FORGET_SLOT, True))
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN_OBJ.slots)


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


def test_in_memory_forget_deletes_the_record():
    store = PrivateInMemoryTrackerStore(DOMAIN_OBJ)
    run(store.save(tracker("a")))
    run(store.save(tracker("b")))
    assert set(run(store.keys())) == {"a", "b"}
    run(store.save(tracker("a", forget=True)))
    assert "a" not in store.store and set(run(store.keys())) == {"b"}
    assert run(store.retrieve("a")) is None


def test_in_memory_conversations_expire_after_retention(monkeypatch):
    monkeypatch.setenv("BOT_RETENTION_HOURS", str(0.5 / 3600))   # half a second
    store = PrivateInMemoryTrackerStore(DOMAIN_OBJ)
    run(store.save(tracker("old")))
    assert run(store.retrieve("old")) is not None
    time.sleep(0.7)
    assert run(store.retrieve("old")) is None and "old" not in store.store


def test_only_the_last_events_are_kept_and_the_slots_survive(monkeypatch):
    """A long conversation keeps its last BOT_MAX_EVENTS events: every action sets its slots again,
    so the language survives, and the work per message stays the same (docs/benchmarks.md)."""
    monkeypatch.setenv("BOT_MAX_EVENTS", "12")
    store = PrivateInMemoryTrackerStore(DOMAIN_OBJ)
    live = run(store.get_or_create_tracker("long", max_event_history=None))
    for turn in range(40):
        live.update(UserUttered(f"question {turn}", {"name": "check_id", "confidence": 1.0}))
        live.update(SlotSet("language", "pl"))
        live.update(SlotSet("last_answer", "check_id"))
        run(store.save(live))
        live = run(store.get_or_create_tracker("long", max_event_history=None))
    assert len(live.events) == 12
    assert live.get_slot("language") == "pl" and live.latest_message.text == "question 39"


@pytest.fixture()
def redis_store(redis_server, monkeypatch):
    monkeypatch.setenv("BOT_RETENTION_HOURS", "2")
    store = PrivateRedisTrackerStore(DOMAIN_OBJ, host=redis_server["host"], port=redis_server["port"])
    return store, redis_server["client"]


def test_redis_records_expire_with_the_retention_setting(redis_store):
    store, client = redis_store
    run(store.save(tracker("r1")))
    ttl = client.ttl(store.key_prefix + "r1")
    assert 2 * 3600 - 5 <= ttl <= 2 * 3600


def test_redis_forget_deletes_the_key(redis_store):
    store, client = redis_store
    run(store.save(tracker("r2")))
    assert client.exists(store.key_prefix + "r2")
    run(store.save(tracker("r2", forget=True)))
    assert not client.exists(store.key_prefix + "r2")
    assert run(store.retrieve("r2")) is None


def test_redis_record_is_gone_after_a_short_retention(redis_server, monkeypatch):
    monkeypatch.setenv("BOT_RETENTION_HOURS", str(1 / 3600))   # one second
    store = PrivateRedisTrackerStore(DOMAIN_OBJ, host=redis_server["host"], port=redis_server["port"])
    run(store.save(tracker("r3")))
    time.sleep(1.5)
    assert not redis_server["client"].exists(store.key_prefix + "r3")
