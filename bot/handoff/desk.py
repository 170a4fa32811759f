"""The staff side of a live handoff, hosted by the Telegram gateway (its bot is in the staff group).

In a case's forum topic, staff:
- press **Claim** on the case's card: the first press wins (an atomic step in Redis), the user
  is told a person joined, the others get a short notice;
- **write** in the topic: the claimer's text goes to the user on their channel (Telegram or
  WhatsApp); anything that cannot go (not claimed, someone else's case, not text, WhatsApp's
  24-hour window closed, a failed send) gets a short note in the topic, never silence;
- press **Send suggestion** under a user's message: the knowledge base's answer to it goes to the
  user in the user's language;
- press **Close case**: the user is back with the bot and is told so.

In the background `sweep()` sends the referral to users whose case nobody claimed in time (the
case stays open, staff can still claim it) and deletes cases, with their topics, whose retention
has ended.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from typing import Callable, Optional

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import replies
from bot.channels.gateway import log_failure
from bot.channels.relay import Message
from bot.handoff import turns
from bot.handoff.cases import CLAIMED, CLOSED, Case, Cases
from bot.handoff.config import HandoffConfig
from bot.handoff.delivery import LATE, SENT, Delivery
from bot.handoff.staff_chat import StaffChat, parse_callback
from bot.handoff.user_side import FAILURES
from bot.knowledge import KnowledgeStore

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


class Desk:
    def __init__(self, config: HandoffConfig, cases: Cases, staff: StaffChat, delivery: Delivery,
                 content: KnowledgeStore, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.cases = cases
        self.staff = staff
        self.delivery = delivery
        self.content = content
        self.clock = clock
        self._sweeper: Optional[asyncio.Task] = None

    def handlers(self) -> list[BaseHandler]:
        """For the gateway's application, ahead of its group handlers: everything from the staff
        group ends here (no group notice there, nothing relayed to the assistant)."""
        return [CallbackQueryHandler(self.on_button, pattern=r"^h:"),
                MessageHandler(filters.Chat(chat_id=self.config.staff_chat), self.on_message)]

    # ---------------------------------------------------------------------- staff messages
    async def on_message(self, update: Update, context: Context) -> None:
        message = update.message   # edits and service messages (topic created...) are not replies
        if (message is not None and message.is_topic_message and message.message_thread_id
                and message.from_user is not None and not filters.StatusUpdate.ALL.check_update(update)):
            try:
                case = await self.cases.by_thread(message.message_thread_id)
                if case is not None:   # else: the general topic or a topic of the staff's own
                    await self._reply(case, message.from_user.id, message.text)
            except FAILURES as err:
                log_failure(logger, "handoff: handling a staff message failed", err)
        raise ApplicationHandlerStop

    async def _reply(self, case: Case, staff: int, text: Optional[str]) -> None:
        problem = ("case_closed" if case.state == CLOSED else "not_claimed" if case.state != CLAIMED
                   else "not_yours" if case.staff != staff else "not_text" if not (text or "").strip() else "")
        if problem:
            await self.staff.note(case, problem, staff=case.staff_name)
            return
        message: Message = {"text": text, "buttons": [], "custom": {"answer_id": "handoff_staff", "language": case.language}}
        await self._deliver(case, [message])

    async def _deliver(self, case: Case, messages: list[Message]) -> bool:
        """Send to the user; staff get a note when it could not go (never dropped silently)."""
        result = await self.delivery.send(case, messages)
        if result == SENT:
            await self.cases.touch(case)
            return True
        await self.staff.note(case, "late" if result == LATE else "failed")
        return False

    # ----------------------------------------------------------------------- staff buttons
    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return   # CallbackQueryHandler only passes updates with a callback query
        parsed = parse_callback(query.data or "")
        if query.message is None or query.message.chat.id != self.config.staff_chat or parsed is None:
            return   # not the staff group's: the gateway handles it as usual
        action, number, extra = parsed
        try:
            case = await self.cases.get(number)
            if case is None or case.state == CLOSED:
                await self._answer(query, self.staff.text("case_closed"))
            elif action == "claim":
                await self._claim(query, case)
            elif action == "close":
                await self._close(query, case)
            elif action == "send":
                await self._send_suggestion(query, case, extra)
            else:
                await self._answer(query)
        except FAILURES as err:
            log_failure(logger, "handoff: handling a staff button failed", err)
        raise ApplicationHandlerStop

    async def _claim(self, query: CallbackQuery, case: Case) -> None:
        name = query.from_user.first_name or query.from_user.username or "?"
        won, holder, state = await self.cases.claim(case.number, query.from_user.id, name)
        if not won:
            closed = state in ("", CLOSED)
            text = self.staff.text("case_closed") if closed else self.staff.text("already_claimed", staff=holder)
            await self._answer(query, text, alert=True)
            return
        await self._answer(query)
        claimed = await self.cases.get(case.number) or case
        await self.staff.note(claimed, "claimed", staff=holder)
        with contextlib.suppress(TelegramError):   # cosmetic: the card loses its Claim button
            await self.staff.update_card(claimed)
        k = self.content.get()
        joined = turns.user_text(k, "joined", case.language, buttons=(turns.stop_button(k, case.language),))
        await self._deliver(claimed, [joined.as_message()])

    async def _close(self, query: CallbackQuery, case: Case) -> None:
        if not await self.cases.close(case.number):
            await self._answer(query, self.staff.text("case_closed"))
            return
        await self._answer(query)
        name = query.from_user.first_name or query.from_user.username or "?"
        await self.staff.note(case, "closed_by", staff=name)
        k = self.content.get()
        ended = turns.user_text(k, "ended_by_staff", case.language, buttons=replies.topic_buttons(k, case.language))
        await self.delivery.send(case, [ended.as_message()])   # a late or failed notice needs no note
        with contextlib.suppress(TelegramError):   # cosmetic: the card loses its buttons
            await self.staff.update_card(replace(case, state=CLOSED))
        with contextlib.suppress(TelegramError):
            await self.staff.close_topic(case.thread)

    async def _send_suggestion(self, query: CallbackQuery, case: Case, answer_id: str) -> None:
        if case.state != CLAIMED:
            await self._answer(query, self.staff.text("claim_first"), alert=True)
            return
        if case.staff != query.from_user.id:
            await self._answer(query, self.staff.text("not_yours", staff=case.staff_name), alert=True)
            return
        await self._answer(query)
        k = self.content.get()
        if not k.has_answer(answer_id):
            return
        answer = replies.answer(k, answer_id, case.language)
        message = {"text": answer.text, "buttons": [], "custom": answer.as_message()["custom"]}
        if await self._deliver(case, [message]):
            await self.staff.note(case, "suggestion_sent", title=k.title(answer_id, self.staff.language))

    @staticmethod
    async def _answer(query: CallbackQuery, text: Optional[str] = None, alert: bool = False) -> None:
        try:
            await query.answer(text[:200] if text else None, show_alert=alert)
        except TelegramError as err:   # a press too old to answer: the action itself stands
            log_failure(logger, "handoff: could not answer a staff button", err)

    # -------------------------------------------------------------------------- background
    async def sweep(self) -> None:
        """Unclaimed cases get the referral (once; the case stays open); cases past their
        retention are deleted with their topics."""
        now = self.clock()
        for number in await self.cases.unclaimed_since(now - self.config.claim_timeout_s):
            if await self.cases.mark_referred(number):
                case = await self.cases.get(number)
                if case is not None:
                    await self._refer(case)
        for number, thread in await self.cases.due(now):
            if await self.cases.take(number, thread):
                await self._delete(number, thread)

    async def _refer(self, case: Case) -> None:
        k = self.content.get()
        result = await self.delivery.send(case, [r.as_message() for r in turns.referral(k, "unclaimed", case.language)])
        if result == SENT:
            await self.staff.note(case, "unclaimed", minutes=f"{self.config.claim_timeout_s / 60:g}")
        else:
            await self.staff.note(case, "late" if result == LATE else "failed")

    async def _delete(self, number: int, thread: int) -> None:
        try:
            await self.staff.delete_topic(thread)
        except BadRequest as err:   # already deleted by staff, or no right to: nothing to retry
            log_failure(logger, "handoff: a case's topic could not be deleted", err)
        except TelegramError as err:
            log_failure(logger, "handoff: deleting a case's topic failed; retried later", err)
            await self.cases.retry_later(number, thread)
            return
        await self.cases.delete(number, thread)

    async def start(self) -> None:
        """Check the staff group (problems are logged, the gateway runs anyway: users then get the
        referral) and start the sweeper."""
        try:
            problems = await self.staff.check()
        except Exception as err:  # noqa: BLE001 - a check must never stop the gateway
            problems = [f"the staff group could not be checked ({type(err).__name__})"]
        for problem in problems:
            logger.error("handoff: %s (docs/handoff.md); users get the referral until this is fixed", problem)
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception as err:  # noqa: BLE001 - the sweeper must keep running; logged by type
                log_failure(logger, "handoff: looking for unclaimed and expired cases failed", err)
            await asyncio.sleep(self.config.sweep_interval_s)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self.delivery.graph is not None:
            await self.delivery.graph.aclose()
