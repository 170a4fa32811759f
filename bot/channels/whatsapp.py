"""The WhatsApp gateway: Meta's WhatsApp Cloud API webhook, relayed to the Rasa REST channel.

Why a small aiohttp app in the gateway process and not a Rasa InputChannel (docs/whatsapp.md):
one pattern for all messaging channels (Telegram works the same way), no Rasa or TensorFlow
import here, and Rasa's REST channel stays the only way in, so its checks (pseudonyms, input
cleaning, never silence) cover WhatsApp too. The parts: `whatsapp_messages` (reading and
rendering), `whatsapp_commands` (command words), `meta_graph` (the Graph API client),
`relay` (Rasa), `gateway` (what every channel shares).

Privacy: the phone number or business-scoped user id is used only to address the reply. Rasa
sees `pseudonymise("whatsapp", id)`. Nothing here logs numbers, ids, usernames, texts or message
ids (a WhatsApp message id embeds the sender's number); failures are logged by type or status.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from aiohttp import web

from bot.channels import gateway as toolkit  # what every gateway shares
from bot.channels.meta_graph import API_BASE, GraphAPI
from bot.channels.relay import RasaRelay
from bot.channels.whatsapp_commands import CommandWords
from bot.channels.whatsapp_messages import (
    Incoming,
    list_label,
    parse_notification,
    phone_languages,
    relay_message,
    render,
    signature_ok,
)
from bot.config import ConfigError, Env, settings
from bot.handoff import wiring as handoff_wiring
from bot.handoff.config import HandoffConfig
from bot.handoff.delivery import whatsapp_address
from bot.handoff.user_side import Contact, UserSide
from bot.knowledge import Knowledge, KnowledgeError, KnowledgeStore
from bot.privacy import pseudonymise

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
WEBHOOK_PATH = "/whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
__all__ = ["ConfigError", "WhatsAppConfig", "WhatsAppGateway", "parse_notification", "run"]

#: Required variables and where an operator finds each value.
REQUIRED: dict[str, str] = {
    "WHATSAPP_VERIFY_TOKEN": "a secret you choose (e.g. `openssl rand -hex 32`); enter the same value in the "
                             "Meta app dashboard under WhatsApp > Configuration > Webhook > Verify token",
    "WHATSAPP_APP_SECRET": "Meta app dashboard > App settings > Basic > App secret (Show)",
    "WHATSAPP_ACCESS_TOKEN": "Meta app dashboard > WhatsApp > API Setup (a temporary token), or a permanent "
                             "system-user token from Meta Business Settings > Users > System users",
    "WHATSAPP_PHONE_NUMBER_ID": "Meta app dashboard > WhatsApp > API Setup > Phone number ID "
                                "(a long id, not the phone number itself)",
}


@dataclass(frozen=True)
class WhatsAppConfig:
    """Everything the gateway needs; built from the environment by :meth:`from_env`."""

    verify_token: str = field(repr=False)
    app_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    phone_number_id: str
    api_base: str = API_BASE        # the tests and the benchmark point this at a fake Graph API
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_s: float = 10.0
    handoff: Optional[HandoffConfig] = None   # live handoff to staff (docs/handoff.md); off: None

    @classmethod
    def from_env(cls) -> WhatsAppConfig:
        env = Env()
        values = env.require(REQUIRED, "See docs/whatsapp.md.")
        host, port = env.address("WHATSAPP_LISTEN", "127.0.0.1:8080")
        base = settings().check()
        return cls(verify_token=values["WHATSAPP_VERIFY_TOKEN"], app_secret=values["WHATSAPP_APP_SECRET"],
                   access_token=values["WHATSAPP_ACCESS_TOKEN"],
                   phone_number_id=values["WHATSAPP_PHONE_NUMBER_ID"],
                   api_base=env.text("WHATSAPP_API_BASE") or API_BASE,
                   listen_host=host, listen_port=port,
                   rasa_url=base.rasa_url, rasa_timeout_s=base.rasa_timeout_s,
                   handoff=HandoffConfig.from_env())


class WhatsAppGateway:
    """The webhook (GET: Meta's handshake, POST: notifications) and the work behind it.

    A notification is answered with 200 at once, and its messages are handled in background
    tasks: Meta repeats deliveries that are not confirmed within a few seconds, and the assistant
    may take longer than that. `drain()` waits for the tasks (tests, shutdown). `skipped` counts
    the messages left unanswered on purpose, by reason (never by user)."""

    def __init__(self, config: WhatsAppConfig, content: Optional[KnowledgeStore] = None,
                 relay: Optional[RasaRelay] = None, graph: Optional[GraphAPI] = None,
                 commands: Optional[CommandWords] = None, handoff: Optional[UserSide] = None) -> None:
        toolkit.quiet_http_logs()
        self.config = config
        self.content = content or toolkit.content_store()
        self.relay = relay or RasaRelay(config.rasa_url, config.rasa_timeout_s, knowledge=self.content)
        self.graph = graph or GraphAPI(config.api_base, config.phone_number_id, config.access_token)
        self.commands = commands or CommandWords.load(self.content.root)
        self.phone_languages = phone_languages(self.content.root)
        self.seen = toolkit.Seen()
        self.order = toolkit.InOrder()
        self.skipped: Counter[str] = Counter()
        self._tasks: set[asyncio.Task] = set()
        # live handoff (bot/handoff): this gateway opens cases and relays to the staff group
        if handoff is None and config.handoff:
            handoff = handoff_wiring.for_whatsapp(config.handoff, self.content)
        self.handoff = handoff

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(WEBHOOK_PATH, self.verify)
        app.router.add_post(WEBHOOK_PATH, self.receive)
        return app

    async def verify(self, request: web.Request) -> web.Response:
        """Meta's handshake when the webhook URL is saved: echo hub.challenge for our verify token."""
        token = request.query.get("hub.verify_token", "")
        if (request.query.get("hub.mode") == "subscribe"
                and hmac.compare_digest(token.encode(), self.config.verify_token.encode())):
            return web.Response(text=request.query.get("hub.challenge", ""))
        logger.warning("whatsapp: refused a webhook verification with the wrong token")
        return web.Response(status=403)

    async def receive(self, request: web.Request) -> web.Response:
        """Signature first (over the raw bytes), then parsing: an unsigned call is never read."""
        body = await request.read()
        if not signature_ok(body, request.headers.get(SIGNATURE_HEADER, ""), self.config.app_secret):
            logger.warning("whatsapp: refused a webhook call without a valid signature")
            return web.Response(status=403)
        try:
            messages = parse_notification(json.loads(body))
        except (ValueError, RecursionError) as err:
            logger.warning("whatsapp: refused a malformed webhook call (%s)", type(err).__name__)
            return web.Response(status=400)
        self.accept(messages)
        return web.Response()

    def accept(self, messages: list[Incoming]) -> None:
        """Start answering each new message a user typed or tapped (Meta may repeat a delivery);
        skip, count and acknowledge the rest."""
        for incoming in messages:
            reason = self.skip_reason(incoming)
            if reason:
                self.skipped[reason] += 1
                if reason in ("no sender id", "another number"):
                    logger.warning("whatsapp: skipped a message (%s)", reason)
            elif self.seen.first_time(incoming.message_id):
                task = asyncio.create_task(self.answer(incoming))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def skip_reason(self, incoming: Incoming) -> str:
        if incoming.phone_number_id not in ("", self.config.phone_number_id):
            return "another number"
        if not incoming.answered:
            return f"not for an answer ({incoming.type})"
        if incoming.sender is None:
            return "no sender id"
        return ""

    async def answer(self, incoming: Incoming) -> None:
        """Relay one message and send the replies. Never raises: one failure stays one message."""
        assert incoming.sender is not None
        user = pseudonymise(CHANNEL, incoming.sender.id)
        try:
            async with self.order.turn(user):
                k = self.knowledge()
                message, metadata = relay_message(incoming, self.commands, k, self.phone_languages)
                if self.handoff:
                    metadata = {**metadata, **await self.handoff.metadata(user)}
                replies = await self.relay.send(user, message, metadata)
                await self.send(incoming, replies, k)
                if self.handoff:   # after the replies: a safety answer never waits for the staff group
                    contact = Contact(CHANNEL, user, whatsapp_address(incoming.sender))
                    more = await self.handoff.act(contact, message, metadata.get("kind"), replies)
                    await self.send(incoming, more, k)
        except Exception as err:  # noqa: BLE001 - logged by type only: messages may quote user data
            toolkit.log_failure(logger, "whatsapp: answering a message failed", err)

    async def send(self, incoming: Incoming, replies: list[dict], k: Optional[Knowledge]) -> None:
        assert incoming.sender is not None
        for reply in replies:
            for content in render(reply, list_label(reply, k)):
                await self.graph.send(incoming.sender, content)

    def knowledge(self) -> Optional[Knowledge]:
        try:
            return self.content.get()
        except KnowledgeError:
            logger.error("whatsapp: the knowledge files cannot be loaded; command words are off")
            return None

    async def drain(self) -> None:
        """Wait until every accepted message has been answered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        await self.drain()
        await self.relay.aclose()
        await self.graph.aclose()
        if self.handoff:
            await self.handoff.aclose()


# ------------------------------------------------------------------------------------ running it
async def serve(config: WhatsAppConfig, stopped: asyncio.Event) -> None:
    """The webhook server until `stopped`; messages being answered are finished first."""
    pseudonymise(CHANNEL, "start-up check")   # no BOT_ID_SECRET in production: stop now, not per message
    gateway = WhatsAppGateway(config)
    try:
        if not await gateway.relay.wait_until_up():
            logger.warning("the assistant at %s is not answering; users get the service_unavailable text "
                           "until it does", gateway.relay.webhook)
        runner = web.AppRunner(gateway.web_app(), access_log=None)   # access lines would show the verify token
        await runner.setup()
        try:
            await web.TCPSite(runner, config.listen_host, config.listen_port).start()
            logger.info("whatsapp gateway: listening on %s:%d%s, assistant at %s",
                        config.listen_host, config.listen_port, WEBHOOK_PATH, config.rasa_url)
            await stopped.wait()
        finally:
            await runner.cleanup()
    finally:
        await gateway.aclose()


def run(config: WhatsAppConfig) -> None:
    """Run the gateway until Ctrl-C or SIGTERM."""
    toolkit.setup_logging()
    asyncio.run(toolkit.until_stopped(lambda stopped: serve(config, stopped)))
