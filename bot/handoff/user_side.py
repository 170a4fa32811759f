"""What a user gateway (Telegram, WhatsApp) does for a live handoff, around each user message.

Before relaying to the assistant, `metadata(user)` says whether a person can be asked now
(bot/handoff/turns.py reads it). After the assistant's replies have been sent to the user, so
that a safety answer is never held up, `act(...)` carries out the directives in those replies:
open a case in the staff group, relay the user's message to it, end it, or forget it. What it
returns is sent to the user as well: the referral when the staff group cannot be reached, so the
user never gets silence.

Only this module and the staff side ever see a raw chat id or number (`Contact.address`), and
only to keep it, encrypted, in the case; nothing here logs texts, ids or numbers.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from redis.exceptions import RedisError
from telegram.error import TelegramError

from bot.channels.gateway import log_failure
from bot.channels.relay import Message
from bot.config import FALLBACK_LANGUAGE, LANGUAGES
from bot.handoff import turns
from bot.handoff.cases import Cases
from bot.handoff.config import HandoffConfig
from bot.handoff.staff_chat import StaffChat
from bot.knowledge import KnowledgeError, KnowledgeStore

logger = logging.getLogger(__name__)

#: What may go wrong while talking to the staff group or the case store.
FAILURES = (TelegramError, RedisError, KnowledgeError, OSError)


@dataclass(frozen=True)
class Contact:
    """Who sent a message: the channel, the pseudonym, and the raw address replies go to."""

    channel: str
    user: str = field(repr=False)      # bot.privacy pseudonym
    address: str = field(repr=False)   # chat id, or whatsapp "to:<number>" / "recipient:<id>"


class UserSide:
    def __init__(self, config: HandoffConfig, cases: Cases, staff: StaffChat, content: KnowledgeStore,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.cases = cases
        self.staff = staff
        self.content = content
        self.clock = clock

    async def metadata(self, user: str) -> dict[str, str]:
        """`{"handoff": state}` for the assistant (bot.handoff.turns.STATES)."""
        try:
            if await self.cases.has_open(user):
                return {"handoff": "active"}
        except RedisError as err:
            log_failure(logger, "handoff: the case store cannot be reached", err)
            return {"handoff": "unreachable"}
        return {"handoff": "available" if self.config.hours.open_at(self.clock()) else "outside_hours"}

    async def act(self, contact: Contact, text: str, kind: Optional[str], messages: list[Message]) -> list[Message]:
        """Carry out the directives in the assistant's replies; returns what the user gets on top."""
        more: list[Message] = []
        for message in messages:
            found = message.get("custom")
            custom = found if isinstance(found, dict) else {}
            directive = custom.get("handoff")
            if not isinstance(directive, dict):
                continue
            language = custom.get("language")
            lang = language if isinstance(language, str) and language in LANGUAGES else FALLBACK_LANGUAGE
            do = directive.get("do")
            if do == "open":
                more += await self.open(contact, lang, directive.get("recent") or [])
            elif do == "relay":
                more += await self.relay(contact, text, kind, lang, directive)
            elif do == "end":
                await self.end(contact)
            elif do == "forget":
                await self.forget(contact)
        return more

    # ------------------------------------------------------------------------------ directives
    async def open(self, contact: Contact, lang: str, recent: list[Any]) -> list[Message]:
        """A new case: a topic in the staff group, its card, the case in the store. If any step
        fails, nothing is left behind and the user gets the referral."""
        number: Optional[int] = None
        thread: Optional[int] = None
        try:
            if not await self.cases.reserve(contact.user):
                return []   # already open, or being opened: "connecting" stands
            number = await self.cases.next_number()
            thread = await self.staff.open_topic(number, lang, contact.channel)
            case = await self.cases.create(number, contact.user, contact.channel, contact.address, lang, thread)
            await self.cases.set_card(number, await self.staff.post_card(case, [str(a) for a in recent]))
        except FAILURES as err:
            log_failure(logger, "handoff: a case could not be opened; the user got the referral", err)
            await self._undo(contact.user, number, thread)
            return self.referral("unreachable", lang)
        logger.info("handoff: a case was opened")
        return []

    async def relay(self, contact: Contact, text: str, kind: Optional[str], lang: str,
                    directive: dict) -> list[Message]:
        """The user's message to the case's topic; the referral when that fails."""
        try:
            case = await self.cases.for_user(contact.user)
            if case is None:   # staff closed it in the meantime: the message reached no one
                return [turns.user_text(self.content.get(), "ended_by_staff", lang).as_message()]
            case = await self.cases.touch(case, user_message=True)
            safety = [str(a) for a in directive.get("safety") or []]
            suggest = directive.get("suggest") if isinstance(directive.get("suggest"), str) else None
            await self.staff.post_user_message(case, text, kind, safety, suggest)
        except FAILURES as err:
            log_failure(logger, "handoff: a message could not reach the staff group; the user got the referral", err)
            return self.referral("unreachable", lang)
        return []

    async def end(self, contact: Contact) -> None:
        """The user went back to the bot: the case is closed, staff are told."""
        try:
            case = await self.cases.for_user(contact.user)
            if case is None or not await self.cases.close(case.number):
                return
            await self.staff.note(case, "ended_by_user")
            await self.staff.close_topic(case.thread)
        except FAILURES as err:
            log_failure(logger, "handoff: ending a case failed", err)

    async def forget(self, contact: Contact) -> None:
        """"Forget me": every case of the user and its topic (the transcript) are deleted."""
        try:
            pairs = await self.cases.forget_user(contact.user)
        except RedisError as err:   # the records still expire with the retention time
            log_failure(logger, "handoff: deleting a user's cases failed", err)
            return
        for number, thread in pairs:
            try:
                await self.staff.delete_topic(thread)
            except TelegramError as err:
                log_failure(logger, "handoff: deleting a case's topic failed; retried later", err)
                try:
                    await self.cases.retry_later(number, thread, delay_s=60)
                except RedisError:
                    pass
        if pairs:
            logger.info("handoff: a user's cases were deleted at their request")

    # ---------------------------------------------------------------------------------- helpers
    def referral(self, key: str, lang: str) -> list[Message]:
        try:
            return [r.as_message() for r in turns.referral(self.content.get(), key, lang)]
        except (KnowledgeError, KeyError) as err:
            log_failure(logger, "handoff: the referral text cannot be loaded", err)
            return []

    async def _undo(self, user: str, number: Optional[int], thread: Optional[int]) -> None:
        """Remove what a failed opening left behind (best effort: each part on its own)."""
        if thread is not None:
            try:
                await self.staff.delete_topic(thread)
            except TelegramError:
                pass
        try:
            if number is not None and thread is not None:
                await self.cases.delete(number, thread)
            await self.cases.release(user)
        except RedisError:
            pass

    async def aclose(self) -> None:
        await self.cases.aclose()
        await self.staff.aclose()
