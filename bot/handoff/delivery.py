"""Sending to a user on their own channel, from the staff side: staff replies, "a person joined",
the referral of an unclaimed case, "the chat has ended".

Telegram users get the message from the gateway's own bot; WhatsApp users through the Graph API
(the Telegram gateway needs WHATSAPP_ACCESS_TOKEN and WHATSAPP_PHONE_NUMBER_ID for that). The
messages are the assistant's own format (text, buttons, custom), rendered by each channel's usual
code. WhatsApp allows free-form messages only within 24 hours of the user's last message: a
send after that is refused here, before Meta would refuse it, and the caller tells staff.
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Optional

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.gateway import log_failure
from bot.channels.meta_graph import GraphAPI, Recipient
from bot.channels.relay import Message
from bot.channels.telegram_replies import ButtonPayloads, send_replies
from bot.channels.whatsapp_messages import list_label, render
from bot.handoff.cases import Case
from bot.handoff.staff_chat import window_left
from bot.knowledge import KnowledgeStore

logger = logging.getLogger(__name__)

SENT, LATE, FAILED = "sent", "late", "failed"


def whatsapp_address(recipient: Recipient) -> str:
    """How a WhatsApp user's address is kept (encrypted) in a case: "to:<number>" or "recipient:<id>"."""
    return f"{recipient.field}:{recipient.id}"


def whatsapp_recipient(address: str) -> Optional[Recipient]:
    kind, _, value = address.partition(":")
    return Recipient(kind, value) if kind in ("to", "recipient") and value else None


class Delivery:
    """`send(case, messages)` -> SENT, LATE (WhatsApp's window is closed) or FAILED. Never raises;
    failures are logged by type or status only."""

    def __init__(self, bot: Bot, payloads: ButtonPayloads, graph: Optional[GraphAPI], content: KnowledgeStore,
                 clock: Callable[[], float] = time.time) -> None:
        self.bot = bot
        self.payloads = payloads
        self.graph = graph
        self.content = content
        self.clock = clock

    async def send(self, case: Case, messages: list[Message]) -> str:
        if case.channel == "telegram":
            return await self._telegram(case, messages)
        if case.channel == "whatsapp":
            return await self._whatsapp(case, messages)
        logger.error("handoff: a case has an unknown channel")
        return FAILED

    async def _telegram(self, case: Case, messages: list[Message]) -> str:
        try:
            await send_replies(self.bot, int(case.address), messages, self.payloads)
        except (TelegramError, ValueError) as err:
            log_failure(logger, "handoff: delivering to a Telegram user failed", err)
            return FAILED
        return SENT

    async def _whatsapp(self, case: Case, messages: list[Message]) -> str:
        recipient = whatsapp_recipient(case.address)
        if self.graph is None or recipient is None:
            logger.error("handoff: cannot deliver to a WhatsApp user: set WHATSAPP_ACCESS_TOKEN and "
                         "WHATSAPP_PHONE_NUMBER_ID for the Telegram gateway (docs/handoff.md)")
            return FAILED
        if not window_left(case, self.clock()):
            return LATE
        k = self.content.get()
        for message in messages:
            for content in render(message, list_label(message, k)):
                if not await self.graph.send(recipient, content):
                    return FAILED
        return SENT
