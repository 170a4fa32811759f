"""The Telegram gateway: a separate process that relays Telegram updates to the Rasa REST channel.

Why not Rasa's built-in `telegram` connector (see docs/telegram.md): it is built on aiogram 2,
calls `asyncio.run` inside Sanic's running loop, asks Telegram `getMe` for every message and does
not authenticate webhook calls. This gateway runs python-telegram-bot 22 in its own process and
talks to Rasa only through `bot.channels.relay`; PTB parses the updates (`Update.de_json`),
tells chats apart (`filters.ChatType`), and paces sending (`AIORateLimiter`).

Private chats only: in a group, supergroup or channel the gateway sends one short notice with a
link to a private chat, then stays silent; nothing said there reaches the assistant.

Privacy: Rasa sees a keyed pseudonym of the chat id (bot.privacy), never the id or the username;
nothing here logs message texts, chat ids or usernames, and exceptions are logged by type only.
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Coroutine, Optional

from telegram import Message, Update
from telegram.constants import ChatType, MessageAttachmentType, MessageEntityType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    SimpleUpdateProcessor,
    TypeHandler,
    filters,
)

from bot.channels import gateway as toolkit  # what every gateway shares
from bot.channels.relay import RasaRelay
from bot.channels.telegram_replies import COMMANDS, ButtonPayloads, register_commands, send_replies, typing
from bot.channels.telegram_webhook import ALLOWED_UPDATES, serve_webhook, webhook_app
from bot.config import FALLBACK_LANGUAGE, LANGUAGES, ConfigError, Env, settings
from bot.handoff import wiring as handoff_wiring
from bot.handoff.config import HandoffConfig
from bot.handoff.desk import Desk
from bot.handoff.user_side import Contact, UserSide
from bot.knowledge import KnowledgeError, KnowledgeStore
from bot.privacy import pseudonymise

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
__all__ = ["COMMANDS", "ConfigError", "TelegramConfig", "build_application", "run", "webhook_app"]
MAX_RETRIES = 3                   # after a 429 "retry after" (AIORateLimiter waits as Telegram asks)
MAX_CONCURRENT_UPDATES = 64       # chats served at the same time
GROUPS_REMEMBERED = 10_000        # groups that got their notice (keyed hashes of the chat ids)
GROUP_MEMORY_S = 365 * 24 * 3600
_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")   # Telegram allows 1-256 of these characters

Context = ContextTypes.DEFAULT_TYPE

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
    handoff: Optional[HandoffConfig] = None   # live handoff to staff (docs/handoff.md); off: None

    @classmethod
    def from_env(cls) -> TelegramConfig:
        env = Env()
        token = env.text("TELEGRAM_BOT_TOKEN")
        if not token:
            raise ConfigError(NO_TOKEN)
        mode = env.choice("TELEGRAM_MODE", "polling", ("polling", "webhook"))
        secret = env.text("TELEGRAM_WEBHOOK_SECRET")
        if mode == "webhook" and not _SECRET.match(secret):
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be set in webhook mode: 16-256 characters "
                              "A-Z a-z 0-9 _ - (create one with: openssl rand -hex 32)")
        host, port = env.address("TELEGRAM_LISTEN", "127.0.0.1:8443")
        base = settings().check()
        return cls(token=token, mode=mode, webhook_secret=secret,
                   webhook_url=env.text("TELEGRAM_WEBHOOK_URL"),
                   listen_host=host, listen_port=port,
                   api_base=env.text("TELEGRAM_API_BASE"),
                   rasa_url=base.rasa_url, rasa_timeout_s=base.rasa_timeout_s,
                   handoff=HandoffConfig.from_env())


# ------------------------------------------------------------------------------------ the updates
def language_of(update: Update) -> Optional[str]:
    """The sender's Telegram app language, if it is one the assistant speaks."""
    user = update.effective_user
    code = (user.language_code or "")[:2].lower() if user else ""
    return code if code in LANGUAGES else None


def metadata_for(update: Update, kind: Optional[str] = None) -> dict[str, str]:
    """What the assistant may know besides the text: the kind of a non-text message and the
    user's Telegram language, if it is one the assistant speaks."""
    metadata = {"kind": kind} if kind else {}
    language = language_of(update)
    if language:
        metadata["language"] = language
    return metadata


def message_kind(message: Message) -> str:
    """The attachment type (sticker, photo, voice, location...) in PTB's order (so an animation
    is not reported as its document)."""
    return next((kind.value for kind in MessageAttachmentType if getattr(message, kind.value, None)), "attachment")


class ForAnotherBot(filters.MessageFilter):
    """A command addressed to another bot ("/start@other_bot"): not for us, in any chat."""

    def filter(self, message: Message) -> bool:
        command = next((message.parse_entity(e) for e in message.entities
                        if e.type == MessageEntityType.BOT_COMMAND and e.offset == 0), "")
        addressee = command.partition("@")[2].lower()
        return bool(addressee) and addressee != (message.get_bot().username or "").lower()


class Gateway:
    """The handlers: each private message becomes one message for the assistant."""

    def __init__(self, relay: RasaRelay, content: KnowledgeStore) -> None:
        self.relay = relay
        self.content = content
        self.payloads = ButtonPayloads()
        self.updates = toolkit.Seen()      # update ids already handled: a repeated delivery is dropped
        self.groups = toolkit.Seen(GROUPS_REMEMBERED, GROUP_MEMORY_S)   # groups that got their notice
        self.handoff: Optional[UserSide] = None   # live handoff (bot/handoff), when switched on
        self.desk: Optional[Desk] = None

    async def converse(self, update: Update, context: Context, message: str, kind: Optional[str] = None) -> None:
        chat = update.effective_chat
        if chat is None:
            return   # the handlers that call this only get updates from a (private) chat
        chat_id = chat.id
        sender = pseudonymise(CHANNEL, str(chat_id))
        metadata = metadata_for(update, kind)
        if self.handoff:
            metadata.update(await self.handoff.metadata(sender))
        async with typing(context.bot, chat_id):
            messages = await self.relay.send(sender, message, metadata)
        await send_replies(context.bot, chat_id, messages, self.payloads)
        if self.handoff:   # after the replies: a safety answer never waits for the staff group
            more = await self.handoff.act(Contact(CHANNEL, sender, str(chat_id)), message, kind, messages)
            await send_replies(context.bot, chat_id, more, self.payloads)

    def command(self, payload: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def on_command(update: Update, context: Context) -> None:
            await self.converse(update, context, payload)
        return on_command

    async def on_text(self, update: Update, context: Context) -> None:
        # Buttons and commands are the only way to send a payload; typed "/something" is text.
        message = update.effective_message
        if message is None:
            return   # MessageHandler only passes updates with a message
        await self.converse(update, context, (message.text or "").lstrip("/"))

    async def on_caption(self, update: Update, context: Context) -> None:
        """A captioned photo, video or document: the caption is the user's text (safety first)."""
        message = update.effective_message
        if message is None:
            return   # MessageHandler only passes updates with a message
        await self.converse(update, context, (message.caption or "").lstrip("/"), kind=message_kind(message))

    async def on_other(self, update: Update, context: Context) -> None:
        """Stickers, photos without a caption, voice, locations...: the assistant answers `not_text`."""
        message = update.effective_message
        if message is None:
            return   # MessageHandler only passes updates with a message
        await self.converse(update, context, "", kind=message_kind(message))

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or query.message is None or query.message.chat.type != ChatType.PRIVATE:
            return   # the gateway's buttons are only ever in private chats
        try:
            await query.answer()      # stops the button's loading spinner
        except TelegramError as err:  # e.g. a press too old to answer: still relay it
            logger.warning("telegram: could not answer a button press (%s)", type(err).__name__)
        await self.converse(update, context, self.payloads.payload_for(query.data or ""))

    async def skip_repeats(self, update: Update, context: Context) -> None:
        """Telegram may deliver an update twice (a webhook retry): it is handled once."""
        if not self.updates.first_time(str(update.update_id)):
            raise ApplicationHandlerStop

    async def ignore(self, update: Update, context: Context) -> None:
        raise ApplicationHandlerStop

    async def on_group(self, update: Update, context: Context) -> None:
        """A group, supergroup or channel: one notice per chat, in the sender's language, with a
        link to a private chat; then silence. Nothing is relayed, no conversation is stored."""
        message = update.message or update.channel_post    # not edits, not service messages (a pin)
        if (message is not None and not filters.StatusUpdate.ALL.check_update(update)
                and self.groups.first_time(str(message.chat_id))):
            try:
                text = self.content.get().system_text("group_notice", language_of(update) or FALLBACK_LANGUAGE,
                                                      link=f"https://t.me/{context.bot.username}")
                await context.bot.send_message(message.chat_id, text)
            except (TelegramError, KnowledgeError, KeyError) as err:
                toolkit.log_failure(logger, "telegram: could not send the group notice", err)
        raise ApplicationHandlerStop

    async def on_startup(self, application: Application) -> None:
        if not await self.relay.wait_until_up():
            logger.warning("the assistant at %s is not answering; users get the service_unavailable "
                           "text until it does", self.relay.webhook)
        try:
            await register_commands(application.bot, self.content.get())
        except (TelegramError, KnowledgeError) as err:
            logger.warning("telegram: could not register the command menu (%s)", type(err).__name__)
        if self.desk:
            await self.desk.start()

    async def on_shutdown(self, application: Application) -> None:
        if self.desk:
            await self.desk.stop()
        if self.handoff:
            await self.handoff.aclose()
        await self.relay.aclose()


async def on_error(update: object, context: Context) -> None:
    """Log the type only: exception messages can quote user text or ids. The bot keeps running."""
    if context.error is None:
        return   # PTB gives every error handler call its error (CallbackContext.from_error)
    toolkit.log_failure(logger, "telegram: handling an update failed", context.error)


class PerChatOrder(SimpleUpdateProcessor):
    """Many chats at once, but each chat's updates in order: a quick second tap must not overtake
    the first while Rasa is still answering it."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.order = toolkit.InOrder()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = getattr(update, "effective_chat", None)
        async with self.order.turn(chat.id if chat else None):
            await coroutine


# ------------------------------------------------------------------------------ the application
def build_application(config: TelegramConfig, content: Optional[KnowledgeStore] = None,
                      relay: Optional[RasaRelay] = None) -> Application:
    """The whole gateway as one PTB Application: handlers, error handler, start and stop hooks."""
    toolkit.quiet_http_logs()
    content = content or toolkit.content_store()
    gateway = Gateway(relay or RasaRelay(config.rasa_url, config.rasa_timeout_s, knowledge=content), content)
    builder = (ApplicationBuilder().token(config.token).job_queue(None)   # no scheduled jobs
               .rate_limiter(AIORateLimiter(max_retries=MAX_RETRIES))
               .concurrent_updates(PerChatOrder(MAX_CONCURRENT_UPDATES))
               .post_init(gateway.on_startup).post_shutdown(gateway.on_shutdown))
    if config.api_base:
        root = config.api_base.rstrip("/")
        builder = builder.base_url(f"{root}/bot{{token}}").base_file_url(f"{root}/file/bot{{token}}")
    if config.mode == "webhook":
        builder = builder.updater(None)     # updates arrive through our own web server
    application = builder.build()

    private, new = filters.ChatType.PRIVATE, filters.UpdateType.MESSAGE   # an edit is not a new message
    in_groups = (filters.UpdateType.MESSAGES | filters.UpdateType.CHANNEL_POSTS) & ~private
    application.add_handler(TypeHandler(Update, gateway.skip_repeats), group=-2)
    if config.handoff:   # live handoff: the staff group's updates go to the desk, before any group notice
        gateway.handoff, gateway.desk = handoff_wiring.for_telegram(config.handoff, application.bot, content,
                                                                    gateway.payloads)
        application.add_handlers(gateway.desk.handlers(), group=-1)
    application.add_handlers([
        MessageHandler(ForAnotherBot(), gateway.ignore),
        MessageHandler(in_groups, gateway.on_group),
    ], group=-1)
    application.add_handlers([CommandHandler(name, gateway.command(payload), filters=new & private)
                              for name, payload in COMMANDS.items()])
    application.add_handlers([
        MessageHandler(new & private & filters.TEXT, gateway.on_text),
        MessageHandler(new & private & filters.CAPTION, gateway.on_caption),
        # anything else a user sends (never a service message such as a pin): never silence
        MessageHandler(new & private & ~filters.StatusUpdate.ALL, gateway.on_other),
        CallbackQueryHandler(gateway.on_button),
    ])
    application.add_error_handler(on_error)
    return application


def run(config: TelegramConfig) -> None:
    """Run the gateway until Ctrl-C or SIGTERM."""
    toolkit.setup_logging()
    application = build_application(config)
    logger.info("telegram gateway: %s mode, assistant at %s", config.mode, config.rasa_url)
    if config.mode == "webhook":
        asyncio.run(toolkit.until_stopped(lambda stopped: serve_webhook(application, config, stopped)))
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
