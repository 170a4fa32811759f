"""Shared fixtures: the real knowledge files, and the real assistant (trained model, action
server, Rasa REST channel) started once per test session."""
from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from bot import knowledge as knowledge_module
from bot.config import LANGUAGES
from bot.paths import ROOT
from testkit.redis_server import start_redis

TESTS = Path(__file__).parent
TEST_SECRET = "test-secret-for-pseudonyms-0123456789"


SLOWEST = "test_new_language.py::test_a_german_question_is_answered_in_german"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the slowest test's training (a six-language copy of the project, minutes of mostly
    one core) as soon as the tests are known: it runs on the second core while the others run."""
    if any(item.nodeid.endswith(SLOWEST) for item in session.items):
        from tests import test_new_language

        test_new_language.start_early(Path(tempfile.mkdtemp(prefix="six-languages-")))


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests import test_new_language

    for training in test_new_language.EARLY:
        training.stop()
        shutil.rmtree(training.copy.root, ignore_errors=True)


@pytest.fixture(scope="session")
def knowledge() -> knowledge_module.Knowledge:
    return knowledge_module.load()


@pytest.fixture(scope="session")
def model() -> Path:
    from bot.training import ensure_model

    return ensure_model()


@pytest.fixture(scope="session")
def test_locales(tmp_path_factory) -> Path:
    """A copy of locales/ that the running test assistant reads (live-edit tests change it)."""
    import shutil

    from bot.paths import LOCALES

    target = tmp_path_factory.mktemp("content") / "locales"
    shutil.copytree(LOCALES, target)
    return target


@pytest.fixture(scope="session")
def assistant(model, tmp_path_factory, test_locales):
    """Action server + Rasa with the project's REST channel and in-memory store, as `make run`
    starts them; plus a fixed pseudonym secret, a private usage file and Rasa's API with a token."""
    from bot import services

    env = {"BOT_ID_SECRET": TEST_SECRET, "BOT_LOCALES_DIR": str(test_locales),
           "BOT_USAGE_FILE": str(tmp_path_factory.mktemp("usage") / "usage.json")}
    with services.running(model, log_dir=tmp_path_factory.mktemp("logs"), extra_env=env,
                          api_token=uuid.uuid4().hex) as running:
        running.env = env
        yield running


@pytest.fixture(scope="session")
def agent(model):
    """The trained model loaded in this process, for bulk NLU checks (no HTTP per message)."""
    from rasa.core.agent import Agent

    from bot.services import quiet_rasa_logging

    quiet_rasa_logging()
    return Agent.load(str(model))


@pytest.fixture()
def sender() -> str:
    return uuid.uuid4().hex


def parse_all(agent, texts: list[str]) -> list[dict]:
    async def run() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(run())


def answer_ids(messages: list[dict]) -> list[str]:
    return [(m.get("custom") or {}).get("answer_id") for m in messages]


def languages_of(messages: list[dict]) -> list[str]:
    return [(m.get("custom") or {}).get("language") for m in messages]


__all__ = ["LANGUAGES", "ROOT", "TESTS", "answer_ids", "languages_of", "parse_all"]



@pytest.fixture(scope="module")
def pseudonym_secret():
    """The servers' pseudonym secret in this process too, so tests can name stored conversations."""
    from bot import privacy

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(privacy.SECRET_ENV, TEST_SECRET)
        privacy._secret.cache_clear()
        yield
    privacy._secret.cache_clear()


def server_logs(assistant) -> str:
    """Everything the action server and Rasa have logged so far (at their default level)."""
    text = "".join(path.read_text(encoding="utf-8", errors="replace") for path in Path(assistant.log_dir).glob("*.log"))
    assert text, "the assistant's logs were read"
    return text


def rest_key(sender: str) -> str:
    """The pseudonym the REST channel stores a test sender under (same secret as the servers)."""
    import hashlib
    import hmac

    return "re-" + hmac.new(TEST_SECRET.encode(), f"rest:{sender}".encode(), hashlib.sha256).hexdigest()[:32]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free loopback port, in a temporary directory."""
    import redis

    from bot.services import free_port

    port = free_port()
    process = start_redis(tmp_path_factory.mktemp("redis"), port)
    client = redis.Redis(host="127.0.0.1", port=port)
    yield {"host": "127.0.0.1", "port": port, "client": client, "process": process}
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (the demo's and the review desk's browser tests)."""
    from playwright.sync_api import sync_playwright

    from tests.test_demo import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
