"""A client for the Rasa server's REST channel, for gateways that run in their own process.

Why a separate process talks HTTP to Rasa instead of living inside it: the gateway needs no
Rasa, TensorFlow or Sanic (a small, fast-starting process), and Rasa stays the only place that
knows the conversation. Why this client never raises: a user in danger must never get silence,
so a timeout, a refused connection, a 5xx or an unusable answer all become the localised
`service_unavailable` text (112 and the help lines), in the language the channel reports.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Optional

import httpx

from bot import knowledge as knowledge_module
from bot import replies
from bot.channels.gateway import HttpClient, content_store
from bot.config import FALLBACK_LANGUAGE, LANGUAGES

logger = logging.getLogger(__name__)

#: Seconds a gateway waits at start-up for Rasa to load its model.
READY_TIMEOUT_S = 180.0
#: Split points from strongest to weakest: paragraphs, lines, words.
_SEPARATORS: tuple[str, ...] = ("\n\n", "\n", " ")

Message = dict[str, Any]
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """Lone UTF-16 surrogates (a JSON body may carry them as escapes) cannot be sent as UTF-8:
    replace them with U+FFFD instead of failing the whole message."""
    return _SURROGATE.sub("\ufffd", text)


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into parts of at most `limit` characters, at paragraph, then line, then word
    boundaries (a single over-long word is cut hard). Blank parts are dropped: channels reject them."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return [part for part in _split(text, limit, 0) if part.strip()]


def _split(text: str, limit: int, level: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return [text[start:start + limit] for start in range(0, len(text), limit)]
    separator = _SEPARATORS[level]
    parts: list[str] = []
    current: Optional[str] = None
    for piece in text.split(separator):
        joined = piece if current is None else f"{current}{separator}{piece}"
        if len(joined) <= limit:
            current = joined
            continue
        if current is not None:
            parts.append(current)
        current = None
        if len(piece) <= limit:
            current = piece
        else:
            parts.extend(_split(piece, limit, level + 1))
    if current is not None:
        parts.append(current)
    return parts


class RasaRelay(HttpClient):
    """Sends one user message to `POST {rasa_url}/webhooks/rest/webhook`, returns the replies.

    `knowledge` is the content store its "not working right now" text comes from; gateways pass
    the same store they render their own texts with (without one, the configured folder is read
    on the first failure)."""

    def __init__(self, rasa_url: str, timeout_s: float,
                 knowledge: Optional[knowledge_module.KnowledgeStore] = None) -> None:
        super().__init__(timeout_s)
        self.webhook = f"{rasa_url.rstrip('/')}/webhooks/rest/webhook"
        self._knowledge = knowledge

    def _http(self) -> httpx.AsyncClient:
        return self.http()

    async def send(self, sender: str, message: str, metadata: Optional[dict] = None) -> list[Message]:
        """The assistant's messages for one user message; never empty, never raises."""
        metadata = metadata or {}
        body = {"sender": sender, "message": without_surrogates(message), "metadata": metadata}
        try:
            response = await asyncio.wait_for(self._http().post(self.webhook, json=body), self.timeout_s)
            response.raise_for_status()
            messages = [m for m in response.json() if isinstance(m, dict)]
        except asyncio.TimeoutError:
            logger.error("relay: the assistant did not answer within %.0f s", self.timeout_s)
            messages = []
        except (httpx.HTTPError, ValueError, TypeError) as err:  # never the text or sender
            logger.error("relay: the assistant could not be reached (%s)", type(err).__name__)
            messages = []
        if not messages:
            return [self.unavailable(metadata)]
        return messages

    async def wait_until_up(self, timeout_s: float = READY_TIMEOUT_S) -> bool:
        """Wait for the REST channel to answer (Rasa loads its model for ~30 s), so the first
        users of a fresh start are answered rather than told the service is down."""
        health = self.webhook.rsplit("/", 1)[0] + "/"
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            try:
                if (await self._http().get(health)).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(1.0)

    def unavailable(self, metadata: dict) -> Message:
        """`service_unavailable` in the user's language as the channel reports it (else English).

        Rasa, which knows the conversation's language, is exactly what is missing here; keeping a
        copy of it in the gateway would be one more place a "forget me" has to reach."""
        hint = metadata.get("language") or metadata.get("language_guess")
        lang = hint if hint in LANGUAGES else FALLBACK_LANGUAGE
        return replies.unavailable(self.knowledge, lang)

    def knowledge(self) -> knowledge_module.Knowledge:
        """The newest valid content (texts edited while the gateway runs are picked up)."""
        if self._knowledge is None:
            self._knowledge = content_store()
        return self._knowledge.get()
