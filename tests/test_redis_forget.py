"""forget_me with the production tracker store: the Redis record is deleted, not reset."""
import pytest

from bot import services
from tests.conftest import TEST_SECRET, answer_ids, rest_key


@pytest.fixture(scope="module")
def redis_assistant(model, redis_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("redis-assistant")
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: bot.trackers.PrivateRedisTrackerStore\n"
        f"  url: {redis_server['host']}\n  port: {redis_server['port']}\n", encoding="utf-8")
    with services.running(model, log_dir=folder, endpoints_file=endpoints,
                          extra_env={"BOT_ID_SECRET": TEST_SECRET}) as running:
        yield running


def test_forget_deletes_the_redis_record(redis_assistant, redis_server, sender):
    client, key = redis_server["client"], "tracker:" + rest_key(sender)
    assert answer_ids(redis_assistant.send(sender, "mag de politie mijn huis in?"))[0] == "check_home"
    assert client.exists(key) and 0 < client.ttl(key) <= 24 * 3600
    [ask] = redis_assistant.send(sender, "vergeet mij alsjeblieft")
    assert ask["custom"]["answer_id"] == "forget_me"
    redis_assistant.send(sender, "/affirm")
    assert not client.exists(key)
    assert answer_ids(redis_assistant.send(sender, "hallo")) == ["greet", "language_offer"]   # language unknown again
    assert client.exists(key)   # the new, fresh conversation
