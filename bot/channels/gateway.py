"""What every messaging gateway (Telegram, WhatsApp, the next one) shares.

A gateway is a small process that turns a platform's updates into messages for the Rasa REST
channel (bot.channels.relay) and the replies back into the platform's messages. The parts that
do not depend on the platform live here, once:

- configuration errors that say which variable, what was wrong and how to fix it;
- `host:port` parsing for the webhook server;
- per-user ordering (many users at once, each user's messages one after the other);
- bounded de-duplication of repeated deliveries, keeping only keyed hashes of the ids;
- logging set-up that never shows request URLs (tokens) or personal data, and a lazily created
  HTTP client per external API;
- running until Ctrl-C or SIGTERM.

docs/channels.md says how a new channel is built from these parts.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import signal
import time
from collections import Counter, OrderedDict
from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable, Hashable, Mapping, Optional

import httpx

from bot import knowledge as knowledge_module
from bot.config import settings

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# ---------------------------------------------------------------------------------- configuration
def content_store() -> knowledge_module.KnowledgeStore:
    """The texts every gateway renders (group notice, list label, not-working text), from the
    configured folder; edits are picked up while the gateway runs."""
    return knowledge_module.KnowledgeStore.from_settings(settings())


# ---------------------------------------------------------------------------------------- logging
def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO; Telegram's URLs contain the bot token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


def setup_logging() -> None:
    """INFO for the gateway's own one-line events; never request URLs, texts or ids."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    quiet_http_logs()


class HttpClient:
    """One httpx.AsyncClient per external API, created on first use inside the event loop that
    will also close it (`aclose`)."""

    def __init__(self, timeout_s: float, headers: Optional[Mapping[str, str]] = None) -> None:
        self.timeout_s = timeout_s
        self._headers = dict(headers or {})
        self._client: Optional[httpx.AsyncClient] = None

    def http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout_s, headers=self._headers)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


# --------------------------------------------------------------------------------- de-duplication
class Seen:
    """Remembers ids for `ttl_s` seconds, at most `capacity` of them (the oldest go first), so a
    delivery the platform repeats is handled once. Platform ids can embed personal data (a
    WhatsApp message id contains the sender's number), so only a keyed hash is kept, with a key
    made per process and never stored."""

    def __init__(self, capacity: int = 50_000, ttl_s: float = 48 * 3600,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.ttl_s = ttl_s
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._seen: OrderedDict[bytes, float] = OrderedDict()   # oldest first

    def first_time(self, raw_id: str) -> bool:
        """True the first time an id is offered (then it is remembered), False for a repeat."""
        now = self._clock()
        while self._seen and (len(self._seen) >= self.capacity or next(iter(self._seen.values())) < now - self.ttl_s):
            self._seen.popitem(last=False)
        key = hmac.new(self._key, raw_id.encode(), hashlib.sha256).digest()[:16]
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    def __len__(self) -> int:
        return len(self._seen)


# ------------------------------------------------------------------------------- per-user ordering
class InOrder:
    """Many users at once, each user's messages one after another: a quick second tap must not
    overtake the first while the assistant is still answering it. A user's lock exists only
    while that user has a message waiting or being handled."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: Counter[Hashable] = Counter()

    @asynccontextmanager
    async def turn(self, key: Hashable) -> AsyncIterator[None]:
        self._waiting[key] += 1
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


# ------------------------------------------------------------------------------------------ running
async def until_stopped(serve: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `serve(stopped)`; Ctrl-C or SIGTERM sets `stopped`, and `serve` finishes its work
    (messages being answered) before it returns."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    try:
        await serve(stopped)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def log_failure(log: logging.Logger, what: str, err: BaseException) -> None:
    """One line naming what failed and the exception type, never its message (exception texts
    can quote user text, numbers or tokens)."""
    log.error("%s (%s)", what, type(err).__name__)
