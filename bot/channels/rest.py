"""The REST channel (`POST /webhooks/rest/webhook`), replacing Rasa's built-in `rest`.

Why our own:
- Rasa's collector sends a message's `custom` payload as a separate message; here each message
  keeps `text`, `buttons` and `custom` together, so clients know which answer a text belongs to.
- Malformed requests (no JSON, wrong types, a huge sender id) get a 400 instead of a crash.
- Rasa's channel logs the message text on errors; this one never logs user text or ids, and
  replaces the sender id by a keyed pseudonym (bot.privacy) before it reaches Rasa.
- Control characters are removed and very long texts are cut before they reach the model; a
  malformed `/intent{...}` payload is treated as plain text instead of crashing the parser.
- Never silence: if Rasa or the action server produced nothing (e.g. the action server is down),
  the user gets the short `service_unavailable` text with 112 and the help lines.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import knowledge as knowledge_module
from bot import replies
from bot.channels.relay import without_surrogates
from bot.config import FALLBACK_LANGUAGE, LANGUAGES, settings
from bot.language import detect
from bot.privacy import pseudonymise

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TogetherOutputChannel(CollectingOutputChannel):
    """Collects each bot message as one dict: text, buttons and custom side by side."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self._persist_message({
            "recipient_id": recipient_id,
            "text": message.get("text"),
            "buttons": message.get("buttons") or [],
            "custom": message.get("custom"),
        })


_PAYLOAD = re.compile(r"^/([A-Za-z_][A-Za-z0-9_]*)(\{.*\})?$", re.DOTALL)


def is_valid_payload(text: str) -> bool:
    """`/intent` or `/intent{"entity": "value"}` with a JSON object; anything else is text."""
    match = _PAYLOAD.match(text)
    if not match:
        return False
    if match.group(2) is None:
        return True
    try:
        return isinstance(json.loads(match.group(2)), dict)
    except ValueError:
        return False


def clean_text(text: str, max_chars: int) -> str:
    """Drop control characters (keep newlines and tabs) and lone surrogates, cut to `max_chars`,
    defuse bad payloads."""
    text = _CONTROL.sub("", without_surrogates(text))[:max_chars]
    if text.startswith("/") and not is_valid_payload(text):
        text = text.lstrip("/")
    return text


_content: Optional[knowledge_module.KnowledgeStore] = None


def _knowledge() -> knowledge_module.Knowledge:
    """The configured content, loaded once on the first failure, then kept up to date."""
    global _content
    if _content is None:
        _content = knowledge_module.KnowledgeStore.from_settings(settings())
    return _content.get()


def unavailable_reply(text: str, metadata: dict) -> dict:
    """The localised 'cannot answer right now' message, when the assistant produced nothing."""
    hint = metadata.get("language")
    lang = hint if hint in LANGUAGES else (detect(text).guess or FALLBACK_LANGUAGE)
    return replies.unavailable(_knowledge, lang)


def parse_request(body: Any, max_chars: int) -> tuple[Optional[dict], Optional[str]]:
    """Validate a webhook body; returns (fields, None) or (None, why it is rejected)."""
    if not isinstance(body, dict):
        return None, "the body must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return None, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    text = body.get("message", "")
    if not isinstance(text, str):
        return None, "'message' must be a string"
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return None, "'metadata' must be an object"
    return {"sender": sender, "text": clean_text(text, max_chars), "metadata": metadata or {}}, None


class RestChannel(InputChannel):
    """`{"sender": "...", "message": "...", "metadata": {...}}` in, a list of messages out."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("project_rest", __name__)
        max_chars = settings().channel_max_chars

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - sanic raises several types on invalid JSON or UTF-8
                return response.json({"error": "the body must be valid JSON"}, status=400)
            fields, error = parse_request(body, max_chars)
            if fields is None:   # rejected: `error` says why
                return response.json({"error": error}, status=400)
            collector = TogetherOutputChannel()
            sender = pseudonymise(self.name(), fields["sender"])
            try:
                await on_new_message(UserMessage(
                    fields["text"], collector, sender,
                    input_channel=self.name(), metadata=fields["metadata"]))
            except asyncio.CancelledError:
                logger.error("rest channel: message handling timed out")
            except Exception as err:  # noqa: BLE001 - any failure: log its type only (never text or sender)
                logger.error("rest channel: message handling failed (%s)", type(err).__name__)
            if not collector.messages:
                logger.error("rest channel: no reply produced; sent service_unavailable")
                collector.messages.append({"recipient_id": sender,
                                           **unavailable_reply(fields["text"], fields["metadata"])})
            return response.json(collector.messages)

        return hook
