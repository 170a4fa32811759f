"""The Telegram gateway: a separate process that relays Telegram updates to the Rasa REST channel.

Why not Rasa's built-in `telegram` connector (see docs/telegram.md): it is built on aiogram 2,
calls `asyncio.run` inside Sanic's running loop, asks Telegram `getMe` for every message and does
not authenticate webhook calls. This gateway runs python-telegram-bot 22 in its own process and
talks to Rasa only through `bot.channels.relay`.

Privacy: Rasa sees a keyed pseudonym of the chat id (bot.privacy), never the id or the username;
nothing here logs message texts, chat ids or usernames, and exceptions are logged by type only.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import signal
import warnings
from collections import Counter
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, AsyncIterator, Awaitable, Callable, Coroutine, Hashable, Optional, TypeVar

from aiohttp import web
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, MessageAttachmentType
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    SimpleUpdateProcessor,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.relay import Message, RasaRelay, split_text
from bot.config import FALLBACK_LANGUAGE, LANGUAGES, settings
from bot.knowledge import TELEGRAM_TEXT_LIMIT, Knowledge, KnowledgeError
from bot.privacy import pseudonymise

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
#: Telegram command -> the payload the assistant understands without the NLU model.
COMMANDS: dict[str, str] = {
    "start": "/greet", "menu": "/menu", "language": "/language",
    "help": "/help_human", "privacy": "/privacy", "forget": "/forget_me",
}
#: Only the updates the gateway handles are fetched (less traffic, nothing half-handled).
ALLOWED_UPDATES: list[str] = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
CALLBACK_DATA_LIMIT = 64          # bytes, Telegram's limit for a button's callback_data
MAX_RETRIES = 3                   # after a 429 "retry after"
TYPING_REFRESH_S = 4.0            # Telegram shows "typing…" for about 5 s per chat action
MAX_CONCURRENT_UPDATES = 64       # chats served at the same time
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")   # Telegram allows 1-256 of these characters

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE


# ---------------------------------------------------------------------------------- configuration
class ConfigError(SystemExit):
    """A configuration problem; the message says how to fix it."""


NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set. Create a bot first: in Telegram, open a chat with @BotFather, "
    "send /newbot, choose a name and a username, and copy the token it replies with. Then run: "
    "TELEGRAM_BOT_TOKEN=<token> .venv/bin/python -m bot telegram   (see docs/telegram.md)")


@dataclass(frozen=True)
class TelegramConfig:
    """Everything the gateway needs; built from the environment by :meth:`from_env`."""

    token: str
    mode: str = "polling"
    webhook_secret: str = ""
    webhook_url: str = ""
    listen_host: str = "127.0.0.1"
    listen_port: int = 8443
    api_base: str = ""            # e.g. a self-hosted Bot API server, or the tests' fake API
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_s: float = 10.0

    @classmethod
    def from_env(cls) -> TelegramConfig:
        token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError(NO_TOKEN)
        mode = os.environ.get("TELEGRAM_MODE", "polling").strip().lower() or "polling"
        if mode not in ("polling", "webhook"):
            raise ConfigError(f"TELEGRAM_MODE must be 'polling' or 'webhook', got {mode!r}")
        secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
        if mode == "webhook" and not _SECRET.match(secret):
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be set in webhook mode: 16-256 characters "
                              "A-Z a-z 0-9 _ - (create one with: openssl rand -hex 32)")
        host, port = _listen_address(os.environ.get("TELEGRAM_LISTEN", "127.0.0.1:8443"))
        base = settings()
        return cls(token=token, mode=mode, webhook_secret=secret,
                   webhook_url=os.environ.get("TELEGRAM_WEBHOOK_URL", "").strip(),
                   listen_host=host, listen_port=port,
                   api_base=os.environ.get("TELEGRAM_API_BASE", "").strip(),
                   rasa_url=base.rasa_url, rasa_timeout_s=base.rasa_timeout_s)


def _listen_address(value: str) -> tuple[str, int]:
    host, _, port = value.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"TELEGRAM_LISTEN must be host:port, e.g. 127.0.0.1:8443, got {value!r}")
    return host.strip("[]"), int(port)


# ------------------------------------------------------------------------------- sending helpers
async def with_retry(call: Callable[[], Awaitable[T]]) -> T:
    """Run a Bot API call; on 429 flood control wait the time Telegram asks, at most 3 times."""
    for _ in range(MAX_RETRIES):
        try:
            return await call()
        except RetryAfter as err:
            seconds = retry_seconds(err)
            logger.warning("telegram: flood control, retrying in %.0f s", seconds)
            await asyncio.sleep(seconds)
    return await call()


def retry_seconds(err: RetryAfter) -> float:
    """`retry_after` is an int now and a timedelta in later PTB versions; accept both quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


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
            last = number == len(parts)
            await with_retry(partial(bot.send_message, chat_id, part, reply_markup=markup if last else None))


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


# ------------------------------------------------------------------------------------ the updates
def metadata_for(update: Update, kind: Optional[str] = None) -> dict[str, str]:
    """What the assistant may know besides the text: the kind of a non-text message and the
    user's Telegram language, if it is one the assistant speaks."""
    metadata = {"kind": kind} if kind else {}
    user = update.effective_user
    code = (user.language_code or "")[:2].lower() if user else ""
    if code in LANGUAGES:
        metadata["language"] = code
    return metadata


def message_kind(update: Update) -> str:
    """The kind the assistant is told: "edited", or the attachment type (sticker, photo, voice,
    location...) in PTB's order (so an animation is not reported as its document)."""
    if update.edited_message:
        return "edited"
    message = update.effective_message
    return next((kind.value for kind in MessageAttachmentType if getattr(message, kind.value, None)),
                "attachment")


def chat_id_of(update: Update) -> int:
    chat = update.effective_chat or update.effective_user   # in a private chat the ids are equal
    if chat is None:
        raise ValueError("update without a chat")
    return chat.id


class Gateway:
    """The handlers: each turns one kind of update into one message for the assistant."""

    def __init__(self, relay: RasaRelay) -> None:
        self.relay = relay
        self.payloads = ButtonPayloads()

    async def converse(self, update: Update, context: Context, message: str, kind: Optional[str] = None) -> None:
        chat_id = chat_id_of(update)
        sender = pseudonymise(CHANNEL, str(chat_id))
        async with typing(context.bot, chat_id):
            messages = await self.relay.send(sender, message, metadata_for(update, kind))
        await send_replies(context.bot, chat_id, messages, self.payloads)

    def command(self, payload: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def on_command(update: Update, context: Context) -> None:
            await self.converse(update, context, payload)
        return on_command

    async def on_text(self, update: Update, context: Context) -> None:
        # Buttons and commands are the only way to send a payload; typed "/something" is text.
        await self.converse(update, context, (update.effective_message.text or "").lstrip("/"))

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        try:
            await query.answer()      # stops the button's loading spinner
        except TelegramError as err:  # e.g. a press too old to answer: still relay it
            logger.warning("telegram: could not answer a button press (%s)", type(err).__name__)
        await self.converse(update, context, self.payloads.payload_for(query.data or ""))

    async def on_other(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice, locations, edits...: the assistant answers `not_text`."""
        await self.converse(update, context, "", kind=message_kind(update))

    async def on_startup(self, application: Application) -> None:
        if not await self.relay.wait_until_up():
            logger.warning("the assistant at %s is not answering; users get the service_unavailable "
                           "text until it does", self.relay.webhook)
        try:
            await register_commands(application.bot, self.relay.knowledge())
        except (TelegramError, KnowledgeError) as err:
            logger.warning("telegram: could not register the command menu (%s)", type(err).__name__)

    async def on_shutdown(self, application: Application) -> None:
        await self.relay.aclose()


async def on_error(update: object, context: Context) -> None:
    """Log the type only: exception messages can quote user text or ids. The bot keeps running."""
    logger.error("telegram: handling an update failed (%s)", type(context.error).__name__)


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
        await with_retry(partial(bot.set_my_commands, commands, language_code=lang))


class PerChatOrder(SimpleUpdateProcessor):
    """Many chats at once, but each chat's updates in order: a quick second tap must not overtake
    the first while Rasa is still answering it."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: Counter[Hashable] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = getattr(update, "effective_chat", None)
        key = chat.id if chat else None
        self._waiting[key] += 1
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]


# ------------------------------------------------------------------------------ the application
def build_application(config: TelegramConfig) -> Application:
    """The whole gateway as one PTB Application: handlers, error handler, start and stop hooks."""
    logging.getLogger("httpx").setLevel(logging.WARNING)   # its INFO lines show URLs with the token
    gateway = Gateway(RasaRelay(config.rasa_url, config.rasa_timeout_s))
    builder = (ApplicationBuilder().token(config.token).job_queue(None)   # no scheduled jobs
               .concurrent_updates(PerChatOrder(MAX_CONCURRENT_UPDATES))
               .post_init(gateway.on_startup).post_shutdown(gateway.on_shutdown))
    if config.api_base:
        root = config.api_base.rstrip("/")
        builder = builder.base_url(f"{root}/bot{{token}}").base_file_url(f"{root}/file/bot{{token}}")
    if config.mode == "webhook":
        builder = builder.updater(None)     # updates arrive through our own web server
    application = builder.build()

    new = filters.UpdateType.MESSAGE        # an edited "/menu" is an edit, not a command
    application.add_handlers([CommandHandler(name, gateway.command(payload), filters=new)
                              for name, payload in COMMANDS.items()])
    application.add_handlers([
        MessageHandler(new & filters.TEXT, gateway.on_text),
        # attachments anywhere, and in a private chat anything else as well (never silence)
        MessageHandler(new & (filters.ATTACHMENT | filters.ChatType.PRIVATE), gateway.on_other),
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, gateway.on_other),
        CallbackQueryHandler(gateway.on_button),
    ])
    application.add_error_handler(on_error)
    return application


def webhook_app(application: Application, secret: str) -> web.Application:
    """POST /telegram. Only Telegram knows the secret (set with setWebhook's secret_token), so a
    request without it is refused before anything is parsed or relayed."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            logger.warning("webhook: refused a request without the right secret")
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError, AttributeError):
            update = None
        if update is None:
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response()

    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, receive)
    return app


async def serve_webhook(application: Application, config: TelegramConfig) -> None:
    """Webhook mode with our own aiohttp server (PTB's built-in one needs tornado)."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    runner = web.AppRunner(webhook_app(application, config.webhook_secret), access_log=None)
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, config.listen_host, config.listen_port).start()
        logger.info("webhook: listening on %s:%d%s", config.listen_host, config.listen_port, WEBHOOK_PATH)
        if config.webhook_url:   # after listening, so Telegram's first delivery finds us
            await application.bot.set_webhook(config.webhook_url, secret_token=config.webhook_secret,
                                              allowed_updates=ALLOWED_UPDATES)
        try:
            await stopped.wait()
        finally:
            await runner.cleanup()
            await application.stop()
    if application.post_shutdown:
        await application.post_shutdown(application)


def run(config: TelegramConfig) -> None:
    """Run the gateway until Ctrl-C or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    application = build_application(config)
    logger.info("telegram gateway: %s mode, assistant at %s", config.mode, config.rasa_url)
    if config.mode == "webhook":
        asyncio.run(serve_webhook(application, config))
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
