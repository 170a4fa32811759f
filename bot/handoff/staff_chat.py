"""The staff group, through the Telegram Bot API: one forum topic per case, named by its number.

Why forum topics and not reply threads: a topic keeps a case's messages together, staff answer
by simply writing in it (no "reply to" needed), and one `deleteForumTopic` removes the whole
transcript, staff messages included, when the retention ends or the user says "forget me".
The group must be a supergroup with Topics switched on, and the bot an administrator that may
manage topics and delete messages (`check()` says what is missing at start-up).

Staff read everything here in their own language (BOT_HANDOFF_STAFF_LANGUAGE), from
`locales/<lang>/handoff.yml`. They see the case number, the conversation language, the channel,
the bot's last answers, the user's messages and the time left to reply on WhatsApp; never a
phone number, chat id, username or name.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Callable, Iterable, Optional

from telegram import Bot, ChatMemberAdministrator, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.channels.relay import split_text
from bot.handoff.cases import CLAIMED, CLOSED, Case
from bot.handoff.config import HandoffConfig
from bot.knowledge import TELEGRAM_TEXT_LIMIT, KnowledgeStore

logger = logging.getLogger(__name__)

#: The channels by their own names (brand names, the same in every language).
CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}
#: WhatsApp allows free-form replies this long after the user's last message.
WHATSAPP_WINDOW_S = 24 * 3600.0
#: Replies are refused this much before the window closes (clocks differ; a reply takes a moment).
WINDOW_MARGIN_S = 60.0


def callback(action: str, number: int, extra: str = "") -> str:
    """A staff button's callback data: "h:<action>:<case>[:<answer id>]" (at most 64 bytes)."""
    return f"h:{action}:{number}" + (f":{extra}" if extra else "")


def parse_callback(data: str) -> Optional[tuple[str, int, str]]:
    parts = data.split(":", 3)
    if len(parts) < 3 or parts[0] != "h" or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2]), parts[3] if len(parts) > 3 else ""


def window_left(case: Case, now: float) -> Optional[float]:
    """Seconds left to reply on WhatsApp (0 when closed); None for channels without a window."""
    if case.channel != "whatsapp":
        return None
    return max(0.0, case.last_user + WHATSAPP_WINDOW_S - WINDOW_MARGIN_S - now)


class StaffChat:
    """Sends to the staff group; raises TelegramError (callers decide what the user gets instead)."""

    def __init__(self, bot: Bot, config: HandoffConfig, content: KnowledgeStore,
                 clock: Callable[[], float] = time.time, owns_bot: bool = False) -> None:
        self.bot = bot
        self.owns_bot = owns_bot   # a bot of its own (the WhatsApp gateway): started on first use
        self.chat = config.staff_chat
        self.language = config.staff_language
        self.zone = config.hours.zone
        self.content = content
        self.clock = clock

    # ------------------------------------------------------------------------------- texts
    def text(self, key: str, **values: str) -> str:
        return self.content.get().handoff_text("staff", key, self.language, **values)

    def button(self, key: str) -> str:
        return self.content.get().handoff_text("staff_buttons", key, self.language)

    def language_name(self, lang: str) -> str:
        k = self.content.get()
        return f"{k.language_name(lang)} ({lang})" if lang in k.ui else lang

    def answers(self, answer_ids: Iterable[str]) -> str:
        k = self.content.get()
        titles = [k.title(a, self.language) for a in answer_ids if k.has_answer(a)]
        return ", ".join(titles) or self.text("no_answers")

    def window(self, case: Case, key: Optional[str] = None) -> str:
        """The reply window as staff read it: until when, and how long is left."""
        left = window_left(case, self.clock())
        if left is None:
            return self.text("window_telegram") if key is None else ""
        until = dt.datetime.fromtimestamp(self.clock() + left, self.zone)
        k = self.content.get()
        when = f"{k.date_text(until.date(), self.language)} {until:%H:%M}"
        minutes = int(left // 60)
        duration = self.text("duration", hours=str(minutes // 60), minutes=f"{minutes % 60:02d}")
        return self.text(key or "window_whatsapp", until=when, left=duration)

    def buttons(self, case: Case) -> Optional[InlineKeyboardMarkup]:
        """The card's buttons: Claim (until claimed) and Close; none once closed."""
        if case.state == CLOSED:
            return None
        rows = [] if case.state == CLAIMED else [[InlineKeyboardButton(self.button("claim"),
                                                                       callback_data=callback("claim", case.number))]]
        rows.append([InlineKeyboardButton(self.button("close"), callback_data=callback("close", case.number))])
        return InlineKeyboardMarkup(rows)

    # ----------------------------------------------------------------------------- sending
    async def ready(self) -> Bot:
        """The bot, started if it is this chat's own (getMe on first use; then at once)."""
        if self.owns_bot:
            await self.bot.initialize()
        return self.bot

    async def aclose(self) -> None:
        if self.owns_bot:
            await self.bot.shutdown()

    async def open_topic(self, number: int, language: str, channel: str) -> int:
        name = self.text("topic", case=str(number), language=self.language_name(language),
                         channel=CHANNEL_NAMES.get(channel, channel))
        bot = await self.ready()
        topic = await bot.create_forum_topic(self.chat, name[:128])
        return topic.message_thread_id

    async def post_card(self, case: Case, recent: Iterable[str]) -> int:
        text = self.text("card", case=str(case.number), language=self.language_name(case.language),
                         channel=CHANNEL_NAMES.get(case.channel, case.channel), answers=self.answers(recent),
                         window=self.window(case))
        bot = await self.ready()
        message = await bot.send_message(self.chat, text, message_thread_id=case.thread,
                                         reply_markup=self.buttons(case))
        return message.message_id

    async def post_user_message(self, case: Case, text: str, kind: Optional[str], safety: list[str],
                                suggest: Optional[str]) -> None:
        """The user's message, with what the bot already told them in danger first, the time
        left to reply on WhatsApp, and the knowledge base's answer to send with one tap."""
        parts = []
        if safety:
            parts.append(self.text("safety", answers=self.answers(safety)))
        if text.strip():
            parts.append(self.text("user_message", text=text))
        if kind and kind != "text":
            parts.append(self.text("media", kind=kind))
        left = self.window(case, "time_left")
        if left:
            parts.append(left)
        await self.send(case, "\n\n".join(parts))
        k = self.content.get()
        if suggest and k.has_answer(suggest):
            suggestion = self.text("suggestion", title=k.title(suggest, self.language),
                                   text=k.answer_text(suggest, self.language))
            button = InlineKeyboardButton(self.button("send"), callback_data=callback("send", case.number, suggest))
            await self.send(case, suggestion, InlineKeyboardMarkup([[button]]))

    async def note(self, case: Case, key: str, **values: str) -> None:
        await self.send(case, self.text(key, **values))

    async def send(self, case: Case, text: str, markup: Optional[InlineKeyboardMarkup] = None) -> None:
        bot = await self.ready()
        parts = split_text(text, TELEGRAM_TEXT_LIMIT)
        for number, part in enumerate(parts, 1):
            await bot.send_message(self.chat, part, message_thread_id=case.thread,
                                   reply_markup=markup if number == len(parts) else None)

    async def update_card(self, case: Case) -> None:
        if case.card:
            bot = await self.ready()
            await bot.edit_message_reply_markup(self.chat, case.card, reply_markup=self.buttons(case))

    async def close_topic(self, thread: int) -> None:
        bot = await self.ready()
        await bot.close_forum_topic(self.chat, thread)

    async def delete_topic(self, thread: int) -> None:
        """The topic with every message in it (the case's transcript, staff messages included)."""
        bot = await self.ready()
        await bot.delete_forum_topic(self.chat, thread)

    # --------------------------------------------------------------------------- start-up
    async def check(self) -> list[str]:
        """What keeps the staff group from working (no ids, no names): empty when all is well."""
        try:
            bot = await self.ready()
            chat = await bot.get_chat(self.chat)
            member = await bot.get_chat_member(self.chat, bot.id)
        except TelegramError as err:
            return [f"the staff group cannot be reached ({type(err).__name__}): is the bot a member, "
                    "and is BOT_HANDOFF_CHAT the group's id?"]
        problems = []
        if not chat.is_forum:
            problems.append("the staff group has no topics: switch on Topics in the group's settings")
        if not isinstance(member, ChatMemberAdministrator):
            problems.append("the bot is not an administrator of the staff group")
        else:
            if not member.can_manage_topics:
                problems.append("the bot may not manage topics in the staff group")
            if not member.can_delete_messages:
                problems.append("the bot may not delete messages in the staff group (needed to delete cases)")
        return problems
