"""WhatsApp Cloud API messages: reading webhook notifications and rendering the assistant's replies.

Reading: every entry, change and message of a `messages` notification, each reduced to what the
gateway needs (who sent it, what to tell the assistant, whether it gets an answer at all). The
sender is the phone number in `from` when Meta sends it; a user with a WhatsApp username may have
the number withheld, and is then known by the business-scoped user id (BSUID: `from_user_id`, or
the `user_id` of the notification's contact). A message with neither is kept, without a sender:
the gateway skips and counts it instead of refusing the whole delivery.

Rendering: the assistant's text and buttons as text, reply-button and list messages within the
Cloud API's limits.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from bot.channels.meta_graph import Recipient
from bot.channels.relay import Message, split_text
from bot.channels.whatsapp_commands import CommandWords
from bot.config import FALLBACK_LANGUAGE, LANGUAGES
from bot.knowledge import BUTTON_TITLE_LIMIT, WHATSAPP_BODY_LIMIT, Knowledge
from bot.languages import Language, LanguageError, phone_language
from bot.languages import settings as language_settings

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096           # characters of a text message
REPLY_BUTTONS = 3           # reply buttons in one "button" message
LIST_ROWS = 10              # rows in one "list" message
ROW_TITLE_LIMIT = 24        # characters of a list row (and section) title
PAYLOAD_LIMIT = 200         # a row id may have 200 characters, a reply-button id 256: the smaller
CONTINUED = "…"             # the body of a message that only carries more buttons
#: Media whose caption is the user's text.
CAPTIONED = ("image", "video", "document")
#: Messages the user neither typed nor tapped: acknowledged, never answered. A deleted message
#: ("revoke"), an edit of an earlier message, system notices (a changed number or identity) and
#: the "welcome request" Meta sends when a chat is opened.
SILENT = ("revoke", "edit", "system", "request_welcome")


# --------------------------------------------------------------------------------------- incoming
@dataclass(frozen=True)
class Incoming:
    """One message from a webhook call, reduced to what the gateway needs."""

    message_id: str = field(repr=False)            # embeds the sender's number: never logged
    sender: Optional[Recipient] = field(repr=False)   # None: Meta named no id for the sender
    type: str
    text: Optional[str] = None   # typed text, a caption or a button's payload; None: no text
    is_payload: bool = False
    phone_number_id: str = ""    # the business number it was sent to
    answered: bool = True        # False: acknowledged without a reply (not typed or tapped)


def signature_ok(body: bytes, header: str, app_secret: str) -> bool:
    """Meta signs the raw body: "sha256=" + HMAC-SHA256 with the app secret."""
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return bool(app_secret) and hmac.compare_digest(header.encode(), expected.encode())


def parse_notification(data: Any) -> list[Incoming]:
    """Every message of a webhook body (all entries and changes); statuses and other fields are
    skipped. Raises ValueError when the body is not shaped like Meta's (then nothing in it can
    be trusted); a message whose sender has no id is returned without one."""
    found: list[Incoming] = []
    for entry in _list(_object(data), "entry"):
        for change in _list(_object(entry), "changes"):
            change = _object(change)
            if change.get("field", "messages") != "messages":
                continue
            value = _object(change.get("value"))
            number_id = str(_object(value.get("metadata") or {}).get("phone_number_id") or "")
            contacts = [c for c in _list(value, "contacts", required=False) if isinstance(c, dict)]
            found += [_incoming(_object(item), number_id, contacts)
                      for item in _list(value, "messages", required=False)]
    return found


def _object(value: Any) -> dict:
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value


def _list(parent: dict, key: str, required: bool = True) -> list:
    value = parent.get(key) if required else parent.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"{key!r} must be a list")
    return value


def _incoming(item: dict, number_id: str, contacts: list[dict]) -> Incoming:
    message_id, kind = item.get("id"), item.get("type")
    if not (isinstance(message_id, str) and message_id and isinstance(kind, str) and kind):
        raise ValueError("a message needs 'id' and 'type'")
    text, is_payload = _content(item, kind)
    return Incoming(message_id, sender_of(item, contacts), kind, text, is_payload, number_id, _answered(item, kind))


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def sender_of(item: dict, contacts: list[dict]) -> Optional[Recipient]:
    """Who sent a message, as the Cloud API addresses them: the phone number (`from`), else the
    business-scoped user id (`from_user_id`, else the `user_id` of the one contact the change
    names). The username is never an id: users change it, and nothing is sent to it."""
    phone = _text(item.get("from"))
    if phone:
        return Recipient("to", phone)
    bsuid = _text(item.get("from_user_id"))
    if not bsuid:
        ids = {c["user_id"] for c in contacts if _text(c.get("user_id"))}
        bsuid = next(iter(ids)) if len(ids) == 1 else None   # several contacts: whose is it?
    return Recipient("recipient", bsuid) if bsuid else None


def _answered(item: dict, kind: str) -> bool:
    if kind in SILENT:
        return False
    if kind == "reaction":   # added or removed: both name the message reacted to
        reaction = item.get("reaction")
        return not (isinstance(reaction, dict) and _text(reaction.get("message_id")))
    return True


def _content(item: dict, kind: str) -> tuple[Optional[str], bool]:
    """(text, is_payload): typed text, the caption of a photo, video or document, the id of a
    pressed reply button or list row, the payload of a template's quick-reply button; (None,
    False) for everything that is not text."""
    found = item.get(kind)
    body = found if isinstance(found, dict) else {}
    if kind == "text":
        return str(body.get("body") or ""), False
    if kind in CAPTIONED:
        caption = body.get("caption")
        return (caption, False) if isinstance(caption, str) and caption.strip() else (None, False)
    if kind == "interactive":
        reply = body.get(body.get("type")) if body.get("type") in ("button_reply", "list_reply") else None
        if isinstance(reply, dict) and isinstance(reply.get("id"), str) and reply["id"]:
            return reply["id"], True
    if kind == "button":
        if body.get("payload"):
            return str(body["payload"]), True
        if body.get("text"):
            return str(body["text"]), False
    return None, False


def relay_message(incoming: Incoming, commands: CommandWords, k: Optional[Knowledge],
                  phone_languages: Optional[Mapping[str, Language]] = None) -> tuple[str, dict]:
    """What the assistant is sent: (message, metadata). Media travel with their kind, so a
    caption is read as the user's text (safety first) and media without one get `not_text`.
    Typed text carries the language its sender's number suggests (`language_guess`, from
    `phone_codes` in locales/<lang>/language.yml), never the number itself."""
    if incoming.text is None:
        return "", {"kind": incoming.type}
    if incoming.is_payload:
        return incoming.text, {}
    command = commands.lookup(incoming.text, k)
    if command:
        return command.payload, ({"language": command.language} if command.language else {})
    media = {"kind": incoming.type} if incoming.type in CAPTIONED else {}
    guess = number_language(incoming.sender, phone_languages or {})
    return incoming.text.lstrip("/"), {**media, **({"language_guess": guess} if guess else {})}


def number_language(sender: Optional[Recipient], phone_languages: Mapping[str, Language]) -> Optional[str]:
    """The language a sender's phone number suggests; None for a business-scoped user id (no
    number) or a number no language claims (a Dutch one)."""
    if sender is None or sender.field != "to":
        return None
    return phone_language(sender.id, phone_languages)


def phone_languages(locales: Path) -> Mapping[str, Language]:
    """Every language's `phone_codes` (none when a language.yml has a problem: then no number
    gives a guess, and `python -m bot validate` says what to fix)."""
    try:
        return language_settings(locales)
    except LanguageError:
        logger.error("whatsapp: locales/<lang>/language.yml has problems; phone numbers give no language guess")
        return {}


# --------------------------------------------------------------------------------------- outgoing
Button = tuple[str, str]   # (title, payload)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, a cut marked with "…": the Cloud API refuses longer titles."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + CONTINUED


def buttons_of(message: Message) -> list[Button]:
    """The usable buttons: with a title and a payload, each payload once (ids must be unique)."""
    found: dict[str, str] = {}
    for button in message.get("buttons") or []:
        if not isinstance(button, dict) or not str(button.get("title") or "").strip() or not button.get("payload"):
            continue
        payload = str(button["payload"])
        if len(payload) > PAYLOAD_LIMIT:
            logger.warning("whatsapp: left out a button whose payload is over %d characters", PAYLOAD_LIMIT)
            continue
        found.setdefault(payload, str(button["title"]))
    return [(title, payload) for payload, title in found.items()]


def render(message: Message, list_label: str) -> list[dict]:
    """The Cloud API message objects (without the recipient) that show one assistant message.

    No buttons: text messages, split under 4,096 characters. 1-3 buttons: one reply-button
    message. 4-10: one list message; more: one list per 10 rows. An interactive body holds 1,024
    characters, so a longer (or empty) text goes ahead as text messages, and the buttons follow
    under a short body."""
    text = str(message.get("text") or "")
    buttons = buttons_of(message)
    if not buttons:
        return [_text_message(part) for part in split_text(text, TEXT_LIMIT)]
    ahead: list[dict] = []
    body = text
    if not text.strip() or len(text) > WHATSAPP_BODY_LIMIT:
        ahead, body = [_text_message(part) for part in split_text(text, TEXT_LIMIT)], CONTINUED
    if len(buttons) <= REPLY_BUTTONS:
        return ahead + [_reply_buttons(body, buttons)]
    pages = [buttons[start:start + LIST_ROWS] for start in range(0, len(buttons), LIST_ROWS)]
    return ahead + [_list_message(body if number == 0 else CONTINUED, rows, list_label)
                    for number, rows in enumerate(pages)]


def _text_message(body: str) -> dict:
    return {"type": "text", "text": {"body": body}}


def _reply_buttons(body: str, buttons: list[Button]) -> dict:
    replies = [{"type": "reply", "reply": {"id": payload, "title": shorten(title, BUTTON_TITLE_LIMIT)}}
               for title, payload in buttons]
    return {"type": "interactive", "interactive": {"type": "button", "body": {"text": body},
                                                   "action": {"buttons": replies}}}


def _list_message(body: str, rows: list[Button], label: str) -> dict:
    return {"type": "interactive", "interactive": {
        "type": "list", "body": {"text": body},
        "action": {"button": shorten(label, BUTTON_TITLE_LIMIT), "sections": [{
            "title": shorten(label, ROW_TITLE_LIMIT),
            "rows": [{"id": payload, "title": shorten(title, ROW_TITLE_LIMIT)} for title, payload in rows]}]}}}


def list_label(message: Message, k: Optional[Knowledge]) -> str:
    """The label of a list's button: "Menu" in the message's language (custom.language), else English."""
    found = message.get("custom")
    custom = found if isinstance(found, dict) else {}
    language = custom.get("language")
    lang = language if isinstance(language, str) and language in LANGUAGES else FALLBACK_LANGUAGE
    try:
        return k.button("menu", lang) if k else "Menu"
    except KeyError:
        return "Menu"
