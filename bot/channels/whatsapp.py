"""The WhatsApp gateway: Meta's WhatsApp Cloud API webhook, relayed to the Rasa REST channel.

Why a small aiohttp app in the gateway process and not a Rasa InputChannel (docs/whatsapp.md):
one pattern for all messaging channels (Telegram works the same way), no Rasa or TensorFlow
import here, and Rasa's REST channel stays the only way in, so its checks (pseudonyms, input
cleaning, never silence) cover WhatsApp too. Talking to Rasa is `bot.channels.relay`'s job.

Privacy: the phone number (wa_id) is used only to address the reply. Rasa sees
`pseudonymise("whatsapp", wa_id)`. Nothing here logs numbers, texts or message ids (a WhatsApp
message id embeds the sender's number); failures are logged by exception type or HTTP status.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import secrets
import signal
import time
from collections import Counter, OrderedDict
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Mapping, Optional

import httpx
import yaml
from aiohttp import web

from bot.channels.relay import Message, RasaRelay, split_text
from bot.config import FALLBACK_LANGUAGE, LANGUAGES, settings
from bot.knowledge import BUTTON_TITLE_LIMIT, WHATSAPP_BODY_LIMIT, Knowledge, KnowledgeError
from bot.privacy import pseudonymise
from bot.text import words

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
API_BASE = "https://graph.facebook.com/v21.0"
WEBHOOK_PATH = "/whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
TEXT_LIMIT = 4096           # characters of a text message
REPLY_BUTTONS = 3           # reply buttons in one "button" message
LIST_ROWS = 10              # rows in one "list" message
ROW_TITLE_LIMIT = 24        # characters of a list row (and section) title
PAYLOAD_LIMIT = 200         # a row id may have 200 characters, a reply-button id 256: the smaller
CONTINUED = "…"             # the body of a message that only carries more buttons
RETRY_DELAYS_S: tuple[float, ...] = (0.5, 1.0, 2.0)   # after a 429, a 5xx or a network error

#: Command word (locales/<lang>/commands.yml) -> the payload the assistant understands without NLU.
COMMANDS: dict[str, str] = {
    "menu": "/menu", "language": "/language", "help": "/help_human",
    "privacy": "/privacy", "forget": "/forget_me",
}
COMMANDS_FILE = "commands.yml"


# ---------------------------------------------------------------------------------- configuration
class ConfigError(SystemExit):
    """A configuration problem; the message says how to fix it."""


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

    @classmethod
    def from_env(cls) -> WhatsAppConfig:
        values = {name: os.environ.get(name, "").strip() for name in REQUIRED}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise ConfigError("\n".join([f"{name} is not set: {REQUIRED[name]}." for name in missing]
                                        + ["See docs/whatsapp.md."]))
        host, port = listen_address("WHATSAPP_LISTEN", os.environ.get("WHATSAPP_LISTEN", "127.0.0.1:8080"))
        base = settings()
        return cls(verify_token=values["WHATSAPP_VERIFY_TOKEN"], app_secret=values["WHATSAPP_APP_SECRET"],
                   access_token=values["WHATSAPP_ACCESS_TOKEN"],
                   phone_number_id=values["WHATSAPP_PHONE_NUMBER_ID"],
                   api_base=os.environ.get("WHATSAPP_API_BASE", "").strip() or API_BASE,
                   listen_host=host, listen_port=port,
                   rasa_url=base.rasa_url, rasa_timeout_s=base.rasa_timeout_s)


def listen_address(name: str, value: str) -> tuple[str, int]:
    """`host:port` (also `[::1]:8080`) from the variable `name`, with an error naming it."""
    host, _, port = value.strip().rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"{name} must be host:port, e.g. 127.0.0.1:8080, got {value!r}")
    return host.strip("[]"), int(port)


# ---------------------------------------------------------------------------------- command words
@dataclass(frozen=True)
class Command:
    payload: str
    language: Optional[str]   # set when the word belongs to one language only: a hint for new chats


def command_key(text: str) -> str:
    """Command words compare like safety phrases: case, accents, punctuation, repeated letters and
    WhatsApp's *bold* markers ignored, so "Menú!", "uita-ma" and "ZAPOMNIJ MNIE" all match."""
    return " ".join(words(text.replace("*", " ")))


class CommandWords:
    """Plain words that work as commands, since WhatsApp has no command menu like Telegram's."""

    def __init__(self, table: Mapping[str, Command]) -> None:
        self._table = dict(table)

    @classmethod
    def load(cls, locales: Path) -> CommandWords:
        """Read locales/<lang>/commands.yml for all languages; every problem is reported at once."""
        payloads: dict[str, str] = {}
        languages: dict[str, set[str]] = {}
        problems: list[str] = []
        for lang in LANGUAGES:
            path = locales / lang / COMMANDS_FILE
            for command, word in _command_words(path, problems):
                key = command_key(word)
                if payloads.setdefault(key, COMMANDS[command]) != COMMANDS[command]:
                    problems.append(f"{path}: {word!r} is already the word of another command")
                languages.setdefault(key, set()).add(lang)
        if problems:
            raise ConfigError("\n".join(problems))
        return cls({key: Command(payload, next(iter(languages[key])) if len(languages[key]) == 1 else None)
                    for key, payload in payloads.items()})

    def lookup(self, text: str, k: Optional[Knowledge]) -> Optional[Command]:
        """The command a whole message names. Never for a cry for help ("help" is one in Dutch):
        the assistant must see that text, its safety check answers with 112 first. Without the
        knowledge files there is no such check here, so no command either."""
        command = self._table.get(command_key(text))
        if command is None or k is None or k.safety.assess(text).any:
            return None
        return command


def _command_words(path: Path, problems: list[str]) -> list[tuple[str, str]]:
    """(command, word) pairs of one commands.yml; what is wrong is added to `problems`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        problems.append(f"{path}: cannot be read ({type(err).__name__})")
        return []
    if not isinstance(data, dict):
        problems.append(f"{path}: must map each command ({', '.join(COMMANDS)}) to a list of words")
        return []
    pairs: list[tuple[str, str]] = []
    for command, entries in data.items():
        if command not in COMMANDS:
            problems.append(f"{path}: unknown command {command!r} (known: {', '.join(COMMANDS)})")
        elif not isinstance(entries, list) or not all(isinstance(w, str) and command_key(w) for w in entries):
            problems.append(f"{path}: {command} must be a list of words")
        else:
            pairs += [(command, word) for word in entries]
    return pairs


# --------------------------------------------------------------------------------------- incoming
@dataclass(frozen=True)
class Incoming:
    """One user message from a webhook call, reduced to what the gateway needs."""

    message_id: str = field(repr=False)   # embeds the sender's number: never logged
    wa_id: str = field(repr=False)        # the sender's number: only to address the reply
    type: str
    text: Optional[str] = None            # typed text or a button's payload; None: not text
    is_payload: bool = False
    phone_number_id: str = ""             # the business number it was sent to


def signature_ok(body: bytes, header: str, app_secret: str) -> bool:
    """Meta signs the raw body: "sha256=" + HMAC-SHA256 with the app secret."""
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return bool(app_secret) and hmac.compare_digest(header.encode(), expected.encode())


def parse_notification(data: Any) -> list[Incoming]:
    """Every user message of a webhook body (all entries and changes); statuses and other fields
    are skipped. Raises ValueError when the body is not shaped like Meta's."""
    found: list[Incoming] = []
    for entry in _list(_object(data), "entry"):
        for change in _list(_object(entry), "changes"):
            change = _object(change)
            if change.get("field", "messages") != "messages":
                continue
            value = _object(change.get("value"))
            number_id = str(_object(value.get("metadata") or {}).get("phone_number_id") or "")
            found += [_incoming(_object(item), number_id) for item in _list(value, "messages", required=False)]
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


def _incoming(item: dict, number_id: str) -> Incoming:
    message_id, wa_id, kind = item.get("id"), item.get("from"), item.get("type")
    if not all(isinstance(v, str) and v for v in (message_id, wa_id, kind)):
        raise ValueError("a message needs 'id', 'from' and 'type'")
    text, is_payload = _content(item, kind)
    return Incoming(message_id, wa_id, kind, text, is_payload, number_id)


def _content(item: dict, kind: str) -> tuple[Optional[str], bool]:
    """(text, is_payload): typed text, the id of a pressed reply button or list row, the payload of
    a template's quick-reply button; (None, False) for everything that is not text."""
    body = item.get(kind) if isinstance(item.get(kind), dict) else {}
    if kind == "text":
        return str(body.get("body") or ""), False
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


def relay_message(incoming: Incoming, commands: CommandWords, k: Optional[Knowledge]) -> tuple[str, dict]:
    """What the assistant is sent: (message, metadata)."""
    if incoming.text is None:
        return "", {"kind": incoming.type}
    if incoming.is_payload:
        return incoming.text, {}
    command = commands.lookup(incoming.text, k)
    if command:
        return command.payload, ({"language": command.language} if command.language else {})
    return incoming.text.lstrip("/"), {}   # only our buttons send payloads; typed "/x" is text


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
        return [_text(part) for part in split_text(text, TEXT_LIMIT)]
    ahead: list[dict] = []
    body = text
    if not text.strip() or len(text) > WHATSAPP_BODY_LIMIT:
        ahead, body = [_text(part) for part in split_text(text, TEXT_LIMIT)], CONTINUED
    if len(buttons) <= REPLY_BUTTONS:
        return ahead + [_reply_buttons(body, buttons)]
    pages = [buttons[start:start + LIST_ROWS] for start in range(0, len(buttons), LIST_ROWS)]
    return ahead + [_list_message(body if number == 0 else CONTINUED, rows, list_label)
                    for number, rows in enumerate(pages)]


def _text(body: str) -> dict:
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
    custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
    lang = custom.get("language") if custom.get("language") in LANGUAGES else FALLBACK_LANGUAGE
    try:
        return k.button("menu", lang) if k else "Menu"
    except KeyError:
        return "Menu"


class GraphAPI:
    """Sends messages with the Cloud API. Retries what may pass later (429, 5xx, network errors)
    with growing pauses; anything else is logged by HTTP status and Graph error code only (the
    error text can quote the recipient's number). Never raises."""

    def __init__(self, api_base: str, phone_number_id: str, access_token: str,
                 retry_delays_s: tuple[float, ...] = RETRY_DELAYS_S, timeout_s: float = 10.0) -> None:
        self.url = f"{api_base.rstrip('/')}/{phone_number_id}/messages"
        self.retry_delays_s = retry_delays_s
        self.timeout_s = timeout_s
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._client: Optional[httpx.AsyncClient] = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:   # created inside the event loop that will close it
            self._client = httpx.AsyncClient(timeout=self.timeout_s, headers=self._headers)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, to: str, content: dict) -> bool:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **content}
        problem = ""
        for attempt in range(len(self.retry_delays_s) + 1):
            try:
                response = await self._http().post(self.url, json=body)
            except httpx.HTTPError as err:
                problem = type(err).__name__
            else:
                if response.is_success:
                    return True
                problem = f"HTTP {response.status_code}{graph_error_code(response)}"
                if response.status_code != 429 and response.status_code < 500:
                    logger.error("whatsapp: sending a message failed (%s)", problem)
                    return False
            if attempt < len(self.retry_delays_s):
                logger.warning("whatsapp: sending a message failed (%s); retrying in %.1f s",
                               problem, self.retry_delays_s[attempt])
                await asyncio.sleep(self.retry_delays_s[attempt])
        logger.error("whatsapp: sending a message failed (%s) after %d retries", problem, len(self.retry_delays_s))
        return False


def graph_error_code(response: httpx.Response) -> str:
    """", Graph error 131047" from an error body: a number, never the message text."""
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f", Graph error {code}" if isinstance(code, int) else ""


# ---------------------------------------------------------------------------------- the gateway
class SeenMessages:
    """Ids of accepted messages, so a delivery Meta repeats is answered once. Message ids embed
    the sender's number, so only a keyed hash (key made per process) is kept, for `ttl_s`, and at
    most `capacity` of them."""

    def __init__(self, capacity: int = 50_000, ttl_s: float = 48 * 3600,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.ttl_s = ttl_s
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._seen: OrderedDict[bytes, float] = OrderedDict()   # oldest first

    def first_time(self, message_id: str) -> bool:
        now = self._clock()
        while self._seen and (len(self._seen) >= self.capacity or next(iter(self._seen.values())) < now - self.ttl_s):
            self._seen.popitem(last=False)
        key = hmac.new(self._key, message_id.encode(), hashlib.sha256).digest()[:16]
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class InOrder:
    """Many users at once, each user's messages one after another: a quick second tap must not
    overtake the first while the assistant is still answering it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: Counter[str] = Counter()

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        self._waiting[key] += 1
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]


class WhatsAppGateway:
    """The webhook (GET: Meta's handshake, POST: notifications) and the work behind it.

    A notification is answered with 200 at once, and its messages are handled in background
    tasks: Meta repeats deliveries that are not confirmed within a few seconds, and the assistant
    may take longer than that. `drain()` waits for the tasks (tests, shutdown)."""

    def __init__(self, config: WhatsAppConfig, relay: Optional[RasaRelay] = None,
                 graph: Optional[GraphAPI] = None, commands: Optional[CommandWords] = None) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)   # its INFO lines show request URLs
        self.config = config
        self.relay = relay or RasaRelay(config.rasa_url, config.rasa_timeout_s)
        self.graph = graph or GraphAPI(config.api_base, config.phone_number_id, config.access_token)
        self.commands = commands or CommandWords.load(settings().locales)
        self.seen = SeenMessages()
        self.order = InOrder()
        self._tasks: set[asyncio.Task] = set()

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
        except (ValueError, RecursionError):
            logger.warning("whatsapp: refused a malformed webhook call")
            return web.Response(status=400)
        self.accept(messages)
        return web.Response()

    def accept(self, messages: list[Incoming]) -> None:
        """Start answering each new message for our number (Meta may repeat a delivery)."""
        for incoming in messages:
            if incoming.phone_number_id not in ("", self.config.phone_number_id):
                logger.warning("whatsapp: ignored a message sent to another phone number id")
            elif self.seen.first_time(incoming.message_id):
                task = asyncio.create_task(self.answer(incoming))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def answer(self, incoming: Incoming) -> None:
        """Relay one message and send the replies. Never raises: one failure stays one message."""
        sender = pseudonymise(CHANNEL, incoming.wa_id)
        try:
            async with self.order.turn(sender):
                k = self.knowledge()
                message, metadata = relay_message(incoming, self.commands, k)
                for reply in await self.relay.send(sender, message, metadata):
                    for content in render(reply, list_label(reply, k)):
                        await self.graph.send(incoming.wa_id, content)
        except Exception as err:  # noqa: BLE001 - logged by type only: messages may quote user data
            logger.error("whatsapp: answering a message failed (%s)", type(err).__name__)

    def knowledge(self) -> Optional[Knowledge]:
        try:
            return self.relay.knowledge()
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


# ------------------------------------------------------------------------------------ running it
async def serve(config: WhatsAppConfig) -> None:
    """The webhook server until SIGINT or SIGTERM; messages being answered are finished first."""
    pseudonymise(CHANNEL, "start-up check")   # no BOT_ID_SECRET in production: stop now, not per message
    gateway = WhatsAppGateway(config)
    try:
        if not await gateway.relay.wait_until_up():
            logger.warning("the assistant at %s is not answering; users get the service_unavailable text "
                           "until it does", gateway.relay.webhook)
        stopped = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stopped.set)
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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(serve(config))
