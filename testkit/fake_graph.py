"""A fake WhatsApp Cloud API (Meta's Graph API) on 127.0.0.1 (aiohttp.web) that records every call.

The WhatsApp gateway's tests and benchmark send real HTTP to it (`api_base` points here), so no
test needs the internet or a Meta account. It accepts `POST /<version>/<phone-number-id>/messages`
with the right bearer token, answers like the Cloud API, and can be told to fail the next calls
(e.g. 429 or 500). Also: builders for the webhook notifications Meta sends, and their signature.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from aiohttp import web

from testkit.loopback import LoopbackServer

VERSION = "v21.0"
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAtest-access-token-for-the-fake-graph-api"
APP_SECRET = "test-app-secret-0123456789abcdef"
VERIFY_TOKEN = "test-verify-token-0123456789"


@dataclass
class Call:
    phone_number_id: str
    body: dict
    status: int = 200
    at: float = field(default_factory=time.monotonic)


class FakeGraph(LoopbackServer):
    """`async with FakeGraph() as api:` serves on a free port; `api.url` is the versioned API root."""

    url_suffix = "/" + VERSION

    def __init__(self, token: str = ACCESS_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.calls: list[Call] = []
        self._failures: list[tuple[int, dict]] = []
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{version}/{phone_number_id}/messages", self._handle)

    # ------------------------------------------------------------------ controlling the fake
    def fail_next(self, status: int, times: int = 1, code: int = 130429) -> None:
        """Answer the next `times` sends with this HTTP status and a Graph error body."""
        body = {"error": {"message": f"(#{code}) Recipient phone number not in allowed list", "type": "OAuthException",
                          "code": code, "fbtrace_id": "fake"}}
        self._failures += [(status, body)] * times

    # ------------------------------------------------------------------ reading what happened
    def sent(self, to: Optional[str] = None) -> list[dict]:
        """Bodies of the messages successfully sent (to one phone number or business-scoped user
        id), in order."""
        return [c.body for c in self.calls if c.status == 200 and (to is None or addressee(c.body) == to)]

    def shown(self, to: str) -> list[str]:
        """What the user reads of each message sent to `to`: the text, or an interactive body."""
        return [shown_text(body) for body in self.sent(to)]

    async def wait_for(self, count: int, to: Optional[str] = None, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.sent(to)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.sent(to))} messages sent, expected {count}")
            await asyncio.sleep(0.02)
        return self.sent(to)

    # ----------------------------------------------------------------------- the Cloud API
    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": {"message": "Invalid OAuth access token", "code": 190}}, status=401)
        body = await request.json()
        call = Call(request.match_info["phone_number_id"], body)
        self.calls.append(call)
        if not addressee(body):   # the Cloud API needs `to` (phone number) or `recipient` (BSUID)
            call.status = 400
            return web.json_response({"error": {"message": "(#100) Invalid parameter", "code": 100}}, status=400)
        if self._failures:
            call.status, error = self._failures.pop(0)
            return web.json_response(error, status=call.status)
        # As Meta's business-scoped user id page describes the answer: `to` wins over `recipient`;
        # a send to a phone number names the wa_id, a send to a BSUID the user_id.
        contact = ({"input": body["to"], "wa_id": body["to"]} if body.get("to")
                   else {"input": body["recipient"], "user_id": body["recipient"]})
        return web.json_response({"messaging_product": "whatsapp", "contacts": [contact],
                                  "messages": [{"id": f"wamid.OUT{next(self._ids):08d}"}]})


def addressee(body: dict) -> Optional[str]:
    """Who a sent message is for: the phone number (`to`) or the business-scoped user id."""
    return body.get("to") or body.get("recipient")


def shown_text(body: dict) -> str:
    if body.get("type") == "text":
        return body["text"]["body"]
    return body["interactive"]["body"]["text"]


def choices(body: dict) -> list[dict]:
    """The reply buttons or list rows of an interactive message, as {"id", "title"}."""
    interactive = body.get("interactive") or {}
    if interactive.get("type") == "button":
        return [b["reply"] for b in interactive["action"]["buttons"]]
    if interactive.get("type") == "list":
        return [row for section in interactive["action"]["sections"] for row in section["rows"]]
    return []


# -------------------------------------------------------------------- webhook notifications
_message_ids = itertools.count(1)


def message(wa_id: str, kind: str, content: Any, message_id: Optional[str] = None) -> dict:
    """One entry of `value.messages[]`: {"from", "id", "timestamp", "type", <type>: content}.
    A `wa_id` that is a business-scoped user id ("NL.123...") is sent as `from_user_id` with no
    `from`, as Meta does for a user whose phone number is withheld."""
    sender = {"from_user_id": wa_id} if is_bsuid(wa_id) else {"from": wa_id}
    return {**sender, "id": message_id or f"wamid.TEST{next(_message_ids):08d}",
            "timestamp": str(int(time.time())), "type": kind, kind: content}


def is_bsuid(user: str) -> bool:
    """A business-scoped user id: country code, a dot, digits (e.g. "US.13491208655302741918")."""
    return len(user) > 3 and user[2] == "." and user[:2].isalpha()


def sender_of(item: dict) -> str:
    return item.get("from") or item.get("from_user_id")


def text(wa_id: str, body: str) -> dict:
    return message(wa_id, "text", {"body": body})


def button_reply(wa_id: str, reply_id: str, title: str = "Button") -> dict:
    return message(wa_id, "interactive", {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}})


def list_reply(wa_id: str, row_id: str, title: str = "Row") -> dict:
    return message(wa_id, "interactive", {"type": "list_reply", "list_reply": {"id": row_id, "title": title}})


def template_button(wa_id: str, payload: str, label: str = "Yes") -> dict:
    return message(wa_id, "button", {"payload": payload, "text": label})


#: Non-text contents as the Cloud API sends them.
MEDIA: dict[str, dict] = {
    "image": {"mime_type": "image/jpeg", "sha256": "abc", "id": "1001"},
    "sticker": {"mime_type": "image/webp", "sha256": "def", "id": "1002", "animated": False},
    "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "ghi", "id": "1003", "voice": True},
    "location": {"latitude": 52.37, "longitude": 4.89, "name": "Dam", "address": "Amsterdam"},
    "reaction": {"message_id": "wamid.OUT00000001", "emoji": "\U0001F44D"},
    "unsupported": {},
}


def media(wa_id: str, kind: str, caption: Optional[str] = None) -> dict:
    item = message(wa_id, kind, {**MEDIA[kind], **({"caption": caption} if caption is not None else {})})
    if kind == "unsupported":
        item["errors"] = [{"code": 131051, "title": "Message type unknown"}]
    return item


def status(wa_id: str, state: str = "delivered") -> dict:
    return {"id": "wamid.OUT00000001", "status": state, "timestamp": str(int(time.time())),
            "recipient_id": wa_id}


def notification(*messages: dict, statuses: tuple[dict, ...] = (),
                 phone_number_id: str = PHONE_NUMBER_ID) -> dict:
    """A `messages` webhook body with one entry and one change holding these messages/statuses."""
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id}}
    senders = sorted({sender_of(m) for m in messages if sender_of(m)})
    if messages:
        value["contacts"] = [{"profile": {"name": "Test User"}, **({"user_id": s} if is_bsuid(s) else {"wa_id": s})}
                             for s in senders]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def sign(raw: bytes, secret: str = APP_SECRET) -> str:
    """The X-Hub-Signature-256 header Meta sends with `raw`."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
