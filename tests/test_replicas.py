"""The production set-up (endpoints.production.yml): two Rasa replicas share one Redis (tracker and
lock store) and one stateless action server. Continuity across replicas, and faults: action server
down, Redis restarted, a replica killed."""
from __future__ import annotations

import json
import signal
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis

from bot import services
from bot.paths import ROOT
from bot.services import free_port
from testkit.redis_server import start_redis
from tests.conftest import TEST_SECRET, answer_ids, languages_of, rest_key

PRODUCTION = ROOT / "endpoints.production.yml"


class Cluster:
    """Redis + action server + replicas A and B, each part restartable on its own port."""

    def __init__(self, model: Path, folder: Path) -> None:
        self.model, self.folder = model, folder
        self.redis_port, self.action_port = free_port(), free_port()
        self.env = {"BOT_ID_SECRET": TEST_SECRET, "BOT_USAGE_FILE": str(folder / "usage.json"),
                    "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.redis_port), "REDIS_PASSWORD": ""}
        self.client = redis.Redis(host="127.0.0.1", port=self.redis_port)
        self.stack = ExitStack()
        self.redis = start_redis(folder, self.redis_port)
        self._actions = self._start_actions()
        self.a, self.b = (self.stack.enter_context(services.rasa_server(
            model, self.action_url, log_dir=folder, extra_env=self.env, endpoints_file=PRODUCTION, name=name))
            for name in ("rasa-a", "rasa-b"))

    def _start_actions(self) -> ExitStack:
        actions = ExitStack()
        self.action_url = actions.enter_context(services.action_server(self.action_port, self.folder, self.env))
        return actions

    def stop_actions(self) -> None:
        self._actions.close()

    def start_actions(self) -> None:
        self._actions = self._start_actions()

    def restart_redis(self) -> None:
        self.redis.terminate()
        self.redis.wait(10)
        self.redis = start_redis(self.folder, self.redis_port)

    def stored(self, sender: str) -> list[dict]:
        """The events of a sender's conversation as stored in Redis ([] when there is none)."""
        raw = self.client.get("tracker:" + rest_key(sender))
        return json.loads(raw)["events"] if raw else []

    def close(self) -> None:
        self.stack.close()
        self._actions.close()
        self.redis.terminate()
        self.redis.wait(10)


@pytest.fixture(scope="module")
def cluster(model, tmp_path_factory):
    running = Cluster(model, tmp_path_factory.mktemp("replicas"))
    try:
        yield running
    finally:
        running.close()


def test_a_conversation_continues_message_by_message_across_replicas(cluster, sender):
    [changed] = cluster.a.send(sender, '/language{"language": "pl"}')
    assert changed["custom"] == {"answer_id": "language_change", "language": "pl"}
    reply = cluster.b.send(sender, "/check_id")                       # B knows A's language
    assert (answer_ids(reply), languages_of(reply)) == (["check_id"], ["pl"])
    assert answer_ids(cluster.a.send(sender, "/more")) == ["check_id"]   # and what B answered last
    assert answer_ids(cluster.b.send(sender, "usuń moje dane")) == ["forget_me"]   # asks first
    assert answer_ids(cluster.a.send(sender, "/affirm")) == ["forget_me"]
    assert cluster.stored(sender) == [], "the record is still in Redis"
    [fresh] = cluster.b.send(sender, "/greet")                        # nothing known any more
    assert fresh["custom"]["answer_id"] == "greet"
    assert {b["payload"] for b in fresh["buttons"]} >= {'/language{"language": "pl"}', '/language{"language": "ro"}'}


def test_concurrent_messages_of_one_sender_are_handled_one_at_a_time(cluster, sender):
    cluster.a.send(sender, '/language{"language": "en"}')
    questions = [("/check_id", "/check_home"), ("/report_how", "/exit_what"), ("/health_insurance_must", "/help_legal")]
    with ThreadPoolExecutor(2) as pool:
        for pair in questions:   # each pair arrives at both replicas at the same moment
            replies = list(pool.map(lambda replica, text: replica.send(sender, text), (cluster.a, cluster.b), pair))
            assert [answer_ids(r) for r in replies] == [[q[1:]] for q in pair]
    events = cluster.stored(sender)
    assert [e["event"] for e in events].count("user") == 2 * len(questions) + 1, "messages were lost"
    # One at a time: a turn starts after the previous one was stored. Without the shared lock both
    # replicas handle their message side by side, and Redis (Rasa merges the two records) ends up
    # with the later-stored turn after events that happened after it began: time goes backwards.
    times = [e["timestamp"] for e in events]
    assert times == sorted(times), "two messages of one sender were handled at the same time"


def test_with_the_action_server_down_users_get_112_and_answers_come_back(cluster, sender, knowledge):
    cluster.a.send(sender, '/language{"language": "es"}')
    cluster.stop_actions()
    try:
        [reply] = cluster.a.send(sender, "/check_id")
        assert reply["custom"]["answer_id"] == "service_unavailable"
        assert "112" in reply["text"] and knowledge.contacts["slachtofferhulp"]["phone"] in reply["text"]
    finally:
        cluster.start_actions()
    reply = cluster.b.send(sender, "/check_id")
    assert (answer_ids(reply), languages_of(reply)) == (["check_id"], ["es"])


def test_after_a_redis_restart_the_service_recovers_by_itself(cluster, sender):
    assert answer_ids(cluster.a.send(sender, "mag de politie mijn huis in?")) == ["check_home"]
    cluster.restart_redis()   # no persistence configured here: the conversation itself is lost
    replies = [cluster.a.send(sender, "mag de politie mijn huis in?") for _ in range(3)]
    assert all(r and r[0].get("text") for r in replies), "a message went unanswered"
    assert answer_ids(replies[-1]) == ["check_home"], replies
    assert cluster.stored(sender), "nothing is stored in the new Redis"


def test_when_one_replica_dies_the_other_serves_the_same_conversation(cluster, sender):
    cluster.b.send(sender, '/language{"language": "ro"}')
    [process] = cluster.b.processes
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    reply = cluster.a.send(sender, "/check_home")
    assert (answer_ids(reply), languages_of(reply)) == (["check_home"], ["ro"])
