"""Live handoff settings, read from the environment in one place. Off unless BOT_HANDOFF_CHAT is set.

The same variables go to both gateways: the Telegram gateway hosts the staff side (its bot is
the one in the staff group), the WhatsApp gateway opens cases and relays its users' messages to
the staff group with the same bot. Cases live in Redis, so every gateway process and replica
sees the same ones.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import LANGUAGES, ConfigError, Env, settings

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$")

#: Required once BOT_HANDOFF_CHAT is set, and where each value comes from.
REQUIRED: dict[str, str] = {
    "BOT_HANDOFF_HOURS": "the staff's hours in the staff's time zone, e.g. \"mon-fri 09:00-17:00, sat 10:00-14:00\"",
    "TELEGRAM_BOT_TOKEN": "the token of the bot that is an administrator of the staff group (docs/handoff.md)",
    "BOT_ID_SECRET": "the pseudonym secret every gateway shares (docs/privacy.md); it also encrypts the "
                     "addresses kept to deliver staff replies",
    "REDIS_HOST": "the Redis server that keeps the cases, shared by every gateway (docs/deployment.md)",
}


@dataclass(frozen=True)
class Hours:
    """When staff answer: rules like "mon-fri 09:00-17:00", in one time zone."""

    rules: tuple[tuple[frozenset[int], int, int], ...]   # (weekdays, Monday = 0; first minute; end minute)
    zone: ZoneInfo
    text: str

    @classmethod
    def parse(cls, text: str, zone: str = "Europe/Amsterdam") -> Hours:
        """Comma-separated rules: a day or a range of days, then HH:MM-HH:MM (24:00 is the end of
        the day); "mon-sun 00:00-24:00" is always. Raises ValueError saying what is wrong."""
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {zone!r} (e.g. Europe/Amsterdam)") from err
        rules = []
        for part in filter(None, (p.strip().lower() for p in text.split(","))):
            match = _RULE.match(part)
            if not match or match["first"] not in DAYS or (match["last"] or match["first"]) not in DAYS:
                raise ValueError(f"{part!r} is not like \"mon-fri 09:00-17:00\" (days: {', '.join(DAYS)})")
            first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]   # sun-mon
            days = frozenset(span)
            start, end = _minute(match["start"]), _minute(match["end"])
            if start >= end:
                raise ValueError(f"{part!r}: the end must be after the start")
            rules.append((days, start, end))
        if not rules:
            raise ValueError("no hours given, e.g. \"mon-fri 09:00-17:00\"")
        return cls(tuple(rules), tz, text)

    def open_at(self, when: float) -> bool:
        local = dt.datetime.fromtimestamp(when, self.zone)
        minute = local.hour * 60 + local.minute
        return any(local.weekday() in days and start <= minute < end for days, start, end in self.rules)


def _minute(hhmm: str) -> int:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"{hhmm!r} is not a time of day")
    return hours * 60 + minutes


@dataclass(frozen=True)
class HandoffConfig:
    """Everything the handoff needs; :meth:`from_env` returns None when it is off."""

    staff_chat: int                   # the staff group (a supergroup with topics): -100...
    hours: Hours
    telegram_token: str = field(repr=False)
    secret: bytes = field(repr=False)
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_password: str = field(default="", repr=False)
    telegram_api_base: str = ""       # a self-hosted Bot API server, or the tests' fake
    claim_timeout_s: float = 600.0    # unclaimed this long: the user gets the referral
    staff_language: str = "nl"
    retention_s: float = 24 * 3600.0  # cases are deleted this long after their last message
    sweep_interval_s: float = 30.0    # how often unclaimed and expired cases are looked for
    # To deliver staff replies to WhatsApp users (the Telegram gateway only); empty: not possible.
    whatsapp_api_base: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_token: str = field(default="", repr=False)

    @property
    def delivers_whatsapp(self) -> bool:
        return bool(self.whatsapp_phone_number_id and self.whatsapp_token)

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Optional[HandoffConfig]:
        env = Env(environ)
        chat = env.text("BOT_HANDOFF_CHAT")
        if not chat:
            return None   # off by default
        if not re.fullmatch(r"-\d+", chat):
            raise ConfigError(f"BOT_HANDOFF_CHAT must be the staff group's chat id, a negative number such as "
                              f"-1001234567890 (docs/handoff.md says how to find it), got {chat!r}")
        values = env.require(REQUIRED, "Live handoff is on because BOT_HANDOFF_CHAT is set; see docs/handoff.md.")
        if len(values["BOT_ID_SECRET"]) < 16:
            raise ConfigError("BOT_ID_SECRET must be at least 16 characters (openssl rand -hex 32)")
        try:
            hours = Hours.parse(values["BOT_HANDOFF_HOURS"], env.text("BOT_HANDOFF_TIMEZONE", "Europe/Amsterdam"))
        except ValueError as err:
            raise ConfigError(f"BOT_HANDOFF_HOURS / BOT_HANDOFF_TIMEZONE: {err}") from err
        language = env.choice("BOT_HANDOFF_STAFF_LANGUAGE", "nl", LANGUAGES)
        return cls(staff_chat=int(chat), hours=hours, telegram_token=values["TELEGRAM_BOT_TOKEN"],
                   secret=values["BOT_ID_SECRET"].encode(), redis_host=values["REDIS_HOST"],
                   redis_port=env.whole("REDIS_PORT", 6379, minimum=1),
                   redis_password=env.text("REDIS_PASSWORD"),
                   telegram_api_base=env.text("TELEGRAM_API_BASE"),
                   claim_timeout_s=env.number("BOT_HANDOFF_CLAIM_MINUTES", 10.0) * 60,
                   staff_language=language, retention_s=settings(environ).retention_hours * 3600,
                   whatsapp_api_base=env.text("WHATSAPP_API_BASE"),
                   whatsapp_phone_number_id=env.text("WHATSAPP_PHONE_NUMBER_ID"),
                   whatsapp_token=env.text("WHATSAPP_ACCESS_TOKEN"))
