"""The Telegram gateway as `python -m bot telegram` builds it, initialised against a fresh fake Bot
API (testkit/fake_telegram.py): the harness of tests/test_telegram.py, tests/test_fuzz.py and
bench/fuzz.py."""
from __future__ import annotations

import functools
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from telegram import Update
from telegram.ext import Application

from bot.channels.telegram import TelegramConfig, build_application
from bot.knowledge import KnowledgeStore
from testkit.fake_telegram import TOKEN, FakeTelegram

_chats = iter(range(700_001, 800_000))


def new_chat() -> int:
    """A fresh chat id per conversation, so tests never share a Rasa conversation."""
    return next(_chats)


@functools.lru_cache(maxsize=1)
def content() -> KnowledgeStore:
    """One loaded copy of the knowledge files for all gateways of this harness (loading takes seconds)."""
    return KnowledgeStore()


@asynccontextmanager
async def gateway(rasa_url: str, **config: Any) -> AsyncIterator[tuple[Application, FakeTelegram]]:
    """The gateway as `python -m bot telegram` builds it, initialised against a fresh fake API."""
    async with FakeTelegram() as api:
        app = build_application(TelegramConfig(token=TOKEN, api_base=api.url, rasa_url=rasa_url, **config),
                                content())
        await app.initialize()
        try:
            yield app, api
        finally:
            await app.shutdown()
            await app.post_shutdown(app)


async def feed(app: Application, update: dict) -> None:
    await app.process_update(Update.de_json(update, app.bot))
