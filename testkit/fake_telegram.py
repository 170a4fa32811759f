"""A fake Telegram Bot API on 127.0.0.1 (aiohttp.web) that records every call.

The gateway's tests and benchmark run real python-telegram-bot code against it (PTB's
`base_url` points here), so no test needs the internet or a real bot token. It answers the
methods the gateway uses with well-formed objects, serves queued updates to `getUpdates`, and
can be told to fail a method once (e.g. a 429 with `retry_after`). Also: builders for the update
JSON Telegram sends. For the live handoff's staff group (a supergroup with topics) it creates and
deletes forum topics and answers the start-up checks as for an administrator bot.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from aiohttp import web

from testkit.loopback import LoopbackServer

TOKEN = "123456:TEST-token_for-the-fake-api"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Rights NL", "username": "rights_nl_bot",
            "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
#: Parameters PTB sends JSON-encoded (other values arrive as plain form strings).
JSON_PARAMS = {"reply_markup", "commands", "allowed_updates", "scope"}
INT_PARAMS = {"chat_id", "offset", "limit", "timeout", "message_id", "message_thread_id", "user_id"}
#: getUpdates waits at most this long for a new update (Telegram's long poll, shortened).
LONG_POLL_S = 0.5


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)


def _decode(name: str, value: str) -> Any:
    if name in JSON_PARAMS:
        return json.loads(value)
    if name in INT_PARAMS:
        return int(value)
    return value


class FakeTelegram(LoopbackServer):
    """`async with FakeTelegram() as api:` serves on a free port; `api.url` is the API root."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict] = []
        self._arrived = asyncio.Event()
        self._failures: dict[str, list[tuple[int, dict]]] = {}
        self._message_ids = itertools.count(1000)
        self._topic_ids = itertools.count(50)
        self.topics: dict[int, str] = {}      # open forum topics: message_thread_id -> name
        self.deleted_topics: list[int] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)

    # ------------------------------------------------------------------ controlling the fake
    def push_update(self, update: dict) -> None:
        """Queue an update for getUpdates."""
        self._updates.append(update)
        self._arrived.set()

    def fail_next(self, method: str, body: dict, status: int) -> None:
        """Answer the next call of `method` with this error body instead of succeeding."""
        self._failures.setdefault(method, []).append((status, body))

    # ------------------------------------------------------------------ reading what happened
    def sent(self, method: str, chat_id: Optional[int] = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def texts(self, chat_id: int) -> list[str]:
        """Texts of the messages successfully sent to a chat, in order."""
        return [c.params["text"] for c in self.sent("sendMessage", chat_id)]

    async def wait_for(self, method: str, count: int = 1, chat_id: Optional[int] = None,
                       timeout: float = 30) -> list[Call]:
        deadline = time.monotonic() + timeout
        while len(self.sent(method, chat_id)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} was called {len(self.sent(method, chat_id))} times, "
                                   f"expected {count}")
            await asyncio.sleep(0.02)
        return self.sent(method, chat_id)

    # ------------------------------------------------------------------------- the Bot API
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"},
                                     status=401)
        form = await request.post()
        params = {name: _decode(name, str(value)) for name, value in form.items()}
        failures = self._failures.get(method)
        if failures:
            status, body = failures.pop(0)
            self.calls.append(Call(method, params, status))
            return web.json_response(body, status=status)
        self.calls.append(Call(method, params))
        return web.json_response({"ok": True, "result": await self._result(method, params)})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return await self._get_updates(params.get("offset", 0), params.get("timeout", 0))
        if method == "sendMessage":
            group = params["chat_id"] < 0
            message = {"message_id": next(self._message_ids), "date": int(time.time()),
                       "chat": ({"id": params["chat_id"], "type": "supergroup", "title": "Staff", "is_forum": True}
                                if group else {"id": params["chat_id"], "type": "private"}),
                       "from": BOT_USER, "text": params["text"]}
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            if params.get("message_thread_id"):
                message.update(message_thread_id=params["message_thread_id"], is_topic_message=True)
            return message
        if method == "createForumTopic":
            thread = next(self._topic_ids)
            self.topics[thread] = params["name"]
            return {"message_thread_id": thread, "name": params["name"], "icon_color": 7322096}
        if method == "deleteForumTopic":
            self.topics.pop(params["message_thread_id"], None)
            self.deleted_topics.append(params["message_thread_id"])
        if method == "getChat":
            return {"id": params["chat_id"], "type": "supergroup", "title": "Staff", "is_forum": True,
                    "accent_color_id": 0, "max_reaction_count": 11,
                    "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                            "premium_subscription": False, "gifts_from_channels": False}}
        if method == "getChatMember":
            return {"status": "administrator", "user": BOT_USER, "can_be_edited": False, "is_anonymous": False,
                    **{right: True for right in ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                                                 "can_restrict_members", "can_change_info", "can_invite_users",
                                                 "can_manage_topics", "can_pin_messages")},
                    "can_promote_members": False, "can_post_stories": False, "can_edit_stories": False,
                    "can_delete_stories": False}
        return True   # sendChatAction, answerCallbackQuery, setMyCommands, deleteWebhook, ...

    async def _get_updates(self, offset: int, timeout: float) -> list[dict]:
        pending = [u for u in self._updates if u["update_id"] >= offset]
        if not pending and timeout:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), min(float(timeout), LONG_POLL_S))
            except asyncio.TimeoutError:
                pass
            pending = [u for u in self._updates if u["update_id"] >= offset]
        return pending


# ------------------------------------------------------------------------------ update builders
_ids = itertools.count(1)


def user(chat_id: int, language_code: Optional[str] = "en", username: str = "someone") -> dict:
    found = {"id": chat_id, "is_bot": False, "first_name": "Test", "username": username}
    if language_code:
        found["language_code"] = language_code
    return found


def message(chat_id: int, language_code: Optional[str] = "en", username: str = "someone",
            **content: Any) -> dict:
    """A private-chat message with the given content (text=..., sticker=..., photo=...)."""
    if str(content.get("text", "")).startswith("/"):
        command = content["text"].split()[0]
        content.setdefault("entities", [{"type": "bot_command", "offset": 0, "length": len(command)}])
    return {"message_id": next(_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test", "username": username},
            "from": user(chat_id, language_code, username), **content}


def text_update(chat_id: int, text: str, language_code: Optional[str] = "en", username: str = "someone") -> dict:
    return {"update_id": next(_ids), "message": message(chat_id, language_code, username, text=text)}


def content_update(chat_id: int, language_code: Optional[str] = "en", **content: Any) -> dict:
    return {"update_id": next(_ids), "message": message(chat_id, language_code, **content)}


def group_update(chat_id: int, text: str, user_id: int, language_code: Optional[str] = "en",
                 chat_type: str = "supergroup") -> dict:
    """A message in a group or supergroup (chat ids of groups are negative)."""
    found = message(user_id, language_code, text=text)
    found["chat"] = {"id": chat_id, "type": chat_type, "title": "A group"}
    return {"update_id": next(_ids), "message": found}


def channel_post_update(chat_id: int, text: str) -> dict:
    """A post in a channel: no sender user, the channel speaks."""
    chat = {"id": chat_id, "type": "channel", "title": "A channel"}
    return {"update_id": next(_ids), "channel_post": {"message_id": next(_ids), "date": int(time.time()),
                                                      "chat": chat, "sender_chat": chat, "text": text}}


def edited_update(chat_id: int, text: str, language_code: Optional[str] = "en") -> dict:
    edited = message(chat_id, language_code, text=text, edit_date=int(time.time()))
    return {"update_id": next(_ids), "edited_message": edited}


def callback_update(chat_id: int, data: str, language_code: Optional[str] = "en") -> dict:
    shown = {"message_id": next(_ids), "date": int(time.time()),
             "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER, "text": "..."}
    return {"update_id": next(_ids),
            "callback_query": {"id": f"cq{next(_ids)}", "from": user(chat_id, language_code),
                               "chat_instance": "instance", "data": data, "message": shown}}


def staff_message(chat_id: int, thread: int, user_id: int, text: Optional[str] = None, first_name: str = "Anna",
                  **content: Any) -> dict:
    """A staff member's message in a forum topic of the staff group (a supergroup with topics)."""
    found = {"message_id": next(_ids), "date": int(time.time()),
             "chat": {"id": chat_id, "type": "supergroup", "title": "Staff", "is_forum": True},
             "from": {"id": user_id, "is_bot": False, "first_name": first_name},
             "message_thread_id": thread, "is_topic_message": True, **content}
    if text is not None:
        found["text"] = text
    return {"update_id": next(_ids), "message": found}


def staff_callback(chat_id: int, thread: int, user_id: int, data: str, first_name: str = "Anna") -> dict:
    """A staff member presses a button under one of the bot's messages in a topic of the staff group."""
    shown = {"message_id": next(_ids), "date": int(time.time()), "from": BOT_USER, "text": "...",
             "chat": {"id": chat_id, "type": "supergroup", "title": "Staff", "is_forum": True},
             "message_thread_id": thread, "is_topic_message": True}
    return {"update_id": next(_ids),
            "callback_query": {"id": f"cq{next(_ids)}", "chat_instance": "staff", "data": data, "message": shown,
                               "from": {"id": user_id, "is_bot": False, "first_name": first_name}}}


#: Non-text contents, as Telegram sends them.
STICKER = {"sticker": {"file_id": "s1", "file_unique_id": "us1", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False, "type": "regular"}}
PHOTO = {"photo": [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}]}
VOICE = {"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}}
LOCATION = {"location": {"latitude": 52.37, "longitude": 4.89}}


# --------------------------------------------------------------- the other side: a fake Rasa
CANNED_REPLY = [{"text": "Hello! Choose a topic.", "buttons": [{"title": "Menu", "payload": "/menu"}],
                 "custom": {"answer_id": "greet", "language": "en"}}]


class FakeRasa(LoopbackServer):
    """A stand-in for Rasa's REST channel: answers every message with `reply` after `delay`
    seconds with HTTP `status`; counts the messages it received and keeps their bodies in memory
    (`bodies`: sender pseudonym, message, metadata) for the tests to read, never in a log."""

    def __init__(self, reply: Any = None, delay: float = 0.0, status: int = 200) -> None:
        super().__init__()
        self.reply = CANNED_REPLY if reply is None else reply
        self.delay = delay
        self.status = status
        self.received = 0
        self.bodies: list[dict] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/webhooks/rest/webhook", self._handle)
        app.router.add_get("/webhooks/rest/", lambda _: web.json_response({"status": "ok"}))

    async def _handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        self.received += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response(self.reply, status=self.status)
