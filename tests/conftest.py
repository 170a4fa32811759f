"""Shared fixtures: the real knowledge files, and the real assistant (trained model, action
server, Rasa REST channel) started once per test session."""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import yaml

from bot import knowledge as knowledge_module
from bot.config import LANGUAGES
from bot.paths import ROOT

TESTS = Path(__file__).parent


@pytest.fixture(scope="session")
def knowledge() -> knowledge_module.Knowledge:
    return knowledge_module.load()


@pytest.fixture(scope="session")
def model() -> Path:
    from bot.training import ensure_model

    return ensure_model()


@pytest.fixture(scope="session")
def assistant(model, tmp_path_factory):
    """Action server + Rasa with the project's REST channel, like `make run` starts them."""
    from bot import services

    with services.running(model, log_dir=tmp_path_factory.mktemp("logs")) as running:
        yield running


@pytest.fixture(scope="session")
def agent(model):
    """The trained model loaded in this process, for bulk NLU checks (no HTTP per message)."""
    from rasa.core.agent import Agent

    return Agent.load(str(model))


@pytest.fixture()
def sender() -> str:
    return uuid.uuid4().hex


def parse_all(agent, texts: list[str]) -> list[dict]:
    async def run() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(run())


def load_examples(path: Path) -> dict[str, list[str]]:
    """Intent -> examples from a Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    result: dict[str, list[str]] = {}
    for block in data.get("nlu", []):
        if "intent" in block:
            result[block["intent"]] = [line[2:].strip() for line in block["examples"].splitlines()
                                       if line.strip().startswith("- ")]
    return result


def answer_ids(messages: list[dict]) -> list[str]:
    return [(m.get("custom") or {}).get("answer_id") for m in messages]


def languages_of(messages: list[dict]) -> list[str]:
    return [(m.get("custom") or {}).get("language") for m in messages]


__all__ = ["LANGUAGES", "ROOT", "TESTS", "answer_ids", "languages_of", "load_examples", "parse_all"]
