"""Telegram output: the assistant's messages as Telegram messages, inline buttons, "typing…" and
the command menu. Flood control (429) is python-telegram-bot's AIORateLimiter's job (it waits
the time Telegram names and retries), set up with the application in bot.channels.telegram."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from contextlib import asynccontextmanager, suppress
from typing import Any, AsyncIterator, Optional

from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.channels.relay import Message, split_text
from bot.config import FALLBACK_LANGUAGE, LANGUAGES
from bot.knowledge import TELEGRAM_TEXT_LIMIT, Knowledge

logger = logging.getLogger(__name__)

#: Telegram command -> the payload the assistant understands without the NLU model.
COMMANDS: dict[str, str] = {
    "start": "/greet", "menu": "/menu", "language": "/language",
    "help": "/help_human", "privacy": "/privacy", "forget": "/forget_me",
}
CALLBACK_DATA_LIMIT = 64          # bytes, Telegram's limit for a button's callback_data
TYPING_REFRESH_S = 4.0            # Telegram shows "typing…" for about 5 s per chat action


class ButtonPayloads:
    """Maps button payloads to callback_data and back.

    Telegram keeps at most 64 bytes of callback_data; a longer payload is stored here under a
    short key derived from it (the same payload always gets the same key, so the map stays as
    small as the set of distinct long payloads). Keys start with '#', which no payload does.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._payloads: dict[str, str] = {}

    def data_for(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_LIMIT:
            return payload
        key = "#" + hashlib.sha256(payload.encode()).hexdigest()[:24]
        self._payloads.pop(key, None)
        self._payloads[key] = payload            # newest last: the oldest is evicted first
        if len(self._payloads) > self.capacity:
            del self._payloads[next(iter(self._payloads))]
        return key

    def payload_for(self, data: str) -> str:
        """The payload behind a button; an unknown key (e.g. after a restart) opens the menu."""
        if data.startswith("#"):
            return self._payloads.get(data, COMMANDS["menu"])
        return data


def keyboard(buttons: Any, payloads: ButtonPayloads) -> Optional[InlineKeyboardMarkup]:
    """One inline button per row (titles are up to 20 characters and read better stacked)."""
    rows = [[InlineKeyboardButton(str(b["title"]), callback_data=payloads.data_for(str(b["payload"])))]
            for b in buttons or [] if isinstance(b, dict) and b.get("title") and b.get("payload")]
    return InlineKeyboardMarkup(rows) if rows else None


async def send_replies(bot: Bot, chat_id: int, messages: list[Message], payloads: ButtonPayloads) -> None:
    """Send each message as plain text (no parse_mode: nothing to escape), split under
    Telegram's limit, with its buttons under the last part. `custom` is never shown."""
    for message in messages:
        parts = split_text(str(message.get("text") or ""), TELEGRAM_TEXT_LIMIT)
        markup = keyboard(message.get("buttons"), payloads)
        for number, part in enumerate(parts, 1):
            await bot.send_message(chat_id, part, reply_markup=markup if number == len(parts) else None)


@asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" while the block runs (refreshed, since Rasa may take several seconds)."""
    task = asyncio.create_task(_keep_typing(bot, chat_id))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _keep_typing(bot: Bot, chat_id: int) -> None:
    while True:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as err:   # cosmetic: never fail a turn for it
            logger.warning("telegram: could not show typing (%s)", type(err).__name__)
            return
        await asyncio.sleep(TYPING_REFRESH_S)


def command_menus(k: Knowledge) -> dict[Optional[str], list[BotCommand]]:
    """The command list per language code; None is the default (English) for everyone else."""
    def description(lang: str, name: str) -> str:
        own = k.ui.get(lang, {}).get("commands") or {}
        return str(own.get(name) or (k.ui[FALLBACK_LANGUAGE].get("commands") or {}).get(name) or name)

    menus: dict[Optional[str], list[BotCommand]] = {
        lang: [BotCommand(name, description(lang, name)) for name in COMMANDS] for lang in LANGUAGES}
    menus[None] = menus[FALLBACK_LANGUAGE]
    return menus


async def register_commands(bot: Bot, k: Knowledge) -> None:
    for lang, commands in command_menus(k).items():
        await bot.set_my_commands(commands, language_code=lang)
