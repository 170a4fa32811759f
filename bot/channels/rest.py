"""The REST channel (`POST /webhooks/rest/webhook`), replacing Rasa's built-in `rest`.

Why our own:
- Rasa's collector sends a message's `custom` payload as a separate message; here each message
  keeps `text`, `buttons` and `custom` together, so clients know which answer a text belongs to.
- Malformed requests (no JSON, wrong types, a huge sender id) get a 400 instead of a crash.
- Rasa's channel logs the message text on errors; this one never logs user text or ids.
- Control characters are removed and very long texts are cut before they reach the model.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import settings

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


def clean_text(text: str, max_chars: int) -> str:
    """Drop control characters (keep newlines and tabs) and cut to `max_chars`."""
    return _CONTROL.sub("", text)[:max_chars]


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
            except Exception:  # sanic raises on invalid JSON or invalid UTF-8
                return response.json({"error": "the body must be valid JSON"}, status=400)
            fields, error = parse_request(body, max_chars)
            if error:
                return response.json({"error": error}, status=400)
            collector = TogetherOutputChannel()
            try:
                await on_new_message(UserMessage(
                    fields["text"], collector, fields["sender"],
                    input_channel=self.name(), metadata=fields["metadata"]))
            except asyncio.CancelledError:
                logger.error("rest channel: message handling timed out")
            except Exception as err:  # never the text or sender: they are personal data
                logger.error("rest channel: message handling failed (%s)", type(err).__name__)
            return response.json(collector.messages)

        return hook
