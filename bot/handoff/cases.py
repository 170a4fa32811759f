"""The case store: every open and recent case, in Redis, shared by every gateway process and replica.

A case is one user's chat with staff, known to staff only by its short number. What it keeps:
the user's pseudonym (bot.privacy, never the raw id), the channel, the conversation language,
the forum topic in the staff group, who claimed it, and the times of the user's last message
(WhatsApp's 24-hour reply window) and of the last activity (retention). The one raw id the staff
side needs to deliver a reply later, the chat id or WhatsApp number, is kept encrypted
(AES-GCM, with a key derived from BOT_ID_SECRET and bound to the case number); it is never logged.

Keys (prefix `handoff:`), all personal ones expiring `retention_s` after the last activity:

| key | what |
|---|---|
| `next` | the last case number given out |
| `case:<n>` | the case (a hash) |
| `user:<pseudonym>` | the user's open case |
| `cases:<pseudonym>` | every case of the user within retention, as `<n>:<topic>` (for "forget me") |
| `thread:<topic>` | the case of a forum topic |
| `reserve:<pseudonym>` | held for a minute while a case is being opened (no two at once) |
| `waiting` | open cases nobody claimed yet, by opening time (numbers only) |
| `expiry` | `<n>:<topic>` by the time the case and its topic are deleted (numbers only) |

Claiming, referring an unclaimed case and closing are single atomic steps (Lua scripts), so
two staff members, or two replicas, never both win.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis

PREFIX = "handoff:"
RESERVE_S = 60
WAITING, CLAIMED, CLOSED = "waiting", "claimed", "closed"

_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'waiting' then
  redis.call('HSET', KEYS[1], 'state', 'claimed', 'staff', ARGV[1], 'staff_name', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return {1, ARGV[2], 'claimed'}
end
return {0, redis.call('HGET', KEYS[1], 'staff_name') or '', state or ''}
"""
_REFER = """
if redis.call('HGET', KEYS[1], 'state') == 'waiting' and redis.call('HSETNX', KEYS[1], 'referred', '1') == 1 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
"""
_CLOSE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'closed' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'closed')
redis.call('ZREM', KEYS[2], ARGV[1])
local user_key = ARGV[2] .. redis.call('HGET', KEYS[1], 'user')
if redis.call('GET', user_key) == ARGV[1] then redis.call('DEL', user_key) end
return 1
"""


class Sealer:
    """Encrypts a delivery address for one case; only holders of BOT_ID_SECRET can read it."""

    def __init__(self, secret: bytes) -> None:
        key = hmac.new(secret, b"bot.handoff delivery address v1", hashlib.sha256).digest()
        self._aead = AESGCM(key)

    def seal(self, number: int, address: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, address.encode(), _bound(number))).decode()

    def open(self, number: int, sealed: str) -> Optional[str]:
        """The address, or None when it was not sealed for this case with this secret."""
        try:
            raw = base64.b64decode(sealed)
            return self._aead.decrypt(raw[:12], raw[12:], _bound(number)).decode()
        except (InvalidTag, ValueError):
            return None


def _bound(number: int) -> bytes:
    return f"case:{number}".encode()


@dataclass(frozen=True)
class Case:
    number: int
    user: str = field(repr=False)      # the pseudonym
    channel: str                       # telegram | whatsapp
    address: str = field(repr=False)   # decrypted: chat id, or "to:<number>" / "recipient:<BSUID>"
    language: str
    thread: int                        # the forum topic in the staff group
    state: str                         # waiting | claimed | closed
    opened: float
    last_user: float                   # the user's last message (WhatsApp's reply window)
    card: int = 0                      # the first message of the topic (with the buttons)
    staff: Optional[int] = field(default=None, repr=False)   # Telegram id of who claimed it
    staff_name: str = field(default="", repr=False)
    referred: bool = False


class Cases:
    """The case store (see the module docstring). Raises redis' errors; callers decide what the
    user gets instead (never silence)."""

    def __init__(self, redis: Redis, secret: bytes, retention_s: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.sealer = Sealer(secret)
        self.retention_s = retention_s
        self.clock = clock
        self._claim = redis.register_script(_CLAIM)
        self._refer = redis.register_script(_REFER)
        self._close = redis.register_script(_CLOSE)

    @classmethod
    def connect(cls, host: str, port: int, password: str, secret: bytes, retention_s: float,
                clock: Callable[[], float] = time.time) -> Cases:
        client = Redis(host=host, port=port, password=password or None, decode_responses=True,
                       socket_timeout=5, socket_connect_timeout=5)
        return cls(client, secret, retention_s, clock)

    async def aclose(self) -> None:
        await self.redis.close()

    @property
    def ttl(self) -> int:
        return max(1, round(self.retention_s))

    # ----------------------------------------------------------------------------- opening
    async def reserve(self, user: str) -> bool:
        """True when this caller may open a case for `user`: none is open or being opened."""
        if await self.redis.exists(f"{PREFIX}user:{user}"):
            return False
        return bool(await self.redis.set(f"{PREFIX}reserve:{user}", "1", nx=True, ex=RESERVE_S))

    async def release(self, user: str) -> None:
        await self.redis.delete(f"{PREFIX}reserve:{user}")

    async def next_number(self) -> int:
        return int(await self.redis.incr(f"{PREFIX}next"))

    async def create(self, number: int, user: str, channel: str, address: str, language: str,
                     thread: int) -> Case:
        now = self.clock()
        case = Case(number, user, channel, address, language, thread, WAITING, now, now)
        key, member = f"{PREFIX}case:{number}", f"{number}:{thread}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"user": user, "channel": channel, "language": language, "thread": thread,
                                    "state": WAITING, "opened": now, "last_user": now,
                                    "address": self.sealer.seal(number, address)})
            pipe.expire(key, self.ttl)
            pipe.set(f"{PREFIX}user:{user}", number, ex=self.ttl)
            pipe.sadd(f"{PREFIX}cases:{user}", member)
            pipe.expire(f"{PREFIX}cases:{user}", self.ttl)
            pipe.set(f"{PREFIX}thread:{thread}", number, ex=self.ttl)
            pipe.zadd(f"{PREFIX}waiting", {number: now})
            pipe.zadd(f"{PREFIX}expiry", {member: now + self.retention_s})
            pipe.delete(f"{PREFIX}reserve:{user}")
            await pipe.execute()
        return case

    async def set_card(self, number: int, message_id: int) -> None:
        await self.redis.hset(f"{PREFIX}case:{number}", "card", message_id)

    # ----------------------------------------------------------------------------- reading
    async def get(self, number: int) -> Optional[Case]:
        data = await self.redis.hgetall(f"{PREFIX}case:{number}")
        if not data or "thread" not in data:
            return None
        address = self.sealer.open(number, data.get("address", ""))
        if address is None:
            return None
        return Case(number, data["user"], data["channel"], address, data["language"], int(data["thread"]),
                    data["state"], float(data["opened"]), float(data["last_user"]), int(data.get("card") or 0),
                    int(data["staff"]) if data.get("staff") else None, data.get("staff_name", ""),
                    data.get("referred") == "1")

    async def for_user(self, user: str) -> Optional[Case]:
        """The user's open case (waiting or claimed), if any."""
        number = await self.redis.get(f"{PREFIX}user:{user}")
        case = await self.get(int(number)) if number else None
        return case if case is not None and case.state != CLOSED else None

    async def has_open(self, user: str) -> bool:
        return bool(await self.redis.exists(f"{PREFIX}user:{user}"))

    async def by_thread(self, thread: int) -> Optional[Case]:
        number = await self.redis.get(f"{PREFIX}thread:{thread}")
        return await self.get(int(number)) if number else None

    # -------------------------------------------------------------------------- changing
    async def touch(self, case: Case, user_message: bool = False) -> Case:
        """Activity on a case: its data is kept `retention_s` longer (and the user's reply window
        starts again when the user wrote). Returns the case as it is now."""
        now = self.clock()
        key, member = f"{PREFIX}case:{case.number}", f"{case.number}:{case.thread}"
        async with self.redis.pipeline(transaction=True) as pipe:
            if user_message:
                pipe.hset(key, "last_user", now)
            pipe.expire(key, self.ttl)
            pipe.expire(f"{PREFIX}cases:{case.user}", self.ttl)
            pipe.expire(f"{PREFIX}thread:{case.thread}", self.ttl)
            if case.state != CLOSED:
                pipe.expire(f"{PREFIX}user:{case.user}", self.ttl)
            pipe.zadd(f"{PREFIX}expiry", {member: now + self.retention_s}, xx=True)
            await pipe.execute()
        return replace(case, last_user=now) if user_message else case

    async def claim(self, number: int, staff: int, staff_name: str) -> tuple[bool, str, str]:
        """(won, the name of who holds it, the state): only the first claim of a waiting case wins."""
        won, holder, state = await self._claim(keys=[f"{PREFIX}case:{number}", f"{PREFIX}waiting"],
                                               args=[staff, staff_name, number])
        return bool(won), str(holder), str(state)

    async def mark_referred(self, number: int) -> bool:
        """True once per case: the one caller that sends the unclaimed referral."""
        return bool(await self._refer(keys=[f"{PREFIX}case:{number}", f"{PREFIX}waiting"], args=[number]))

    async def close(self, number: int) -> bool:
        """True for the one caller that closes an open case; the user is then back with the bot.
        The case and its topic stay (closed) until their retention ends."""
        return bool(await self._close(keys=[f"{PREFIX}case:{number}", f"{PREFIX}waiting"],
                                      args=[number, f"{PREFIX}user:"]))

    # ------------------------------------------------------------------ waiting and retention
    async def unclaimed_since(self, before: float) -> list[int]:
        return [int(n) for n in await self.redis.zrangebyscore(f"{PREFIX}waiting", "-inf", before)]

    async def due(self, now: Optional[float] = None) -> list[tuple[int, int]]:
        """(case, topic) pairs whose retention has ended."""
        now = self.clock() if now is None else now
        return [_pair(m) for m in await self.redis.zrangebyscore(f"{PREFIX}expiry", "-inf", now)]

    async def take(self, number: int, thread: int) -> bool:
        """True for the one caller that deletes this case and its topic now."""
        return bool(await self.redis.zrem(f"{PREFIX}expiry", f"{number}:{thread}"))

    async def retry_later(self, number: int, thread: int, delay_s: float = 300.0) -> None:
        """A topic that could not be deleted: try again later (its case data is gone already)."""
        await self.redis.zadd(f"{PREFIX}expiry", {f"{number}:{thread}": self.clock() + delay_s})

    async def delete(self, number: int, thread: int) -> None:
        """The case's data, whatever is left of it."""
        key = f"{PREFIX}case:{number}"
        user = await self.redis.hget(key, "user")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key, f"{PREFIX}thread:{thread}")
            pipe.zrem(f"{PREFIX}waiting", number)
            pipe.zrem(f"{PREFIX}expiry", f"{number}:{thread}")
            if user:
                pipe.srem(f"{PREFIX}cases:{user}", f"{number}:{thread}")
            await pipe.execute()
        if user and await self.redis.get(f"{PREFIX}user:{user}") == str(number):
            await self.redis.delete(f"{PREFIX}user:{user}")

    async def forget_user(self, user: str) -> list[tuple[int, int]]:
        """Delete every case of the user ("forget me"); returns the (case, topic) pairs whose
        topics the caller deletes in the staff group."""
        pairs = [_pair(m) for m in await self.redis.smembers(f"{PREFIX}cases:{user}")]
        for number, thread in pairs:
            await self.delete(number, thread)
        await self.redis.delete(f"{PREFIX}cases:{user}", f"{PREFIX}user:{user}", f"{PREFIX}reserve:{user}")
        return pairs


def _pair(member: str) -> tuple[int, int]:
    number, _, thread = member.partition(":")
    return int(number), int(thread)
