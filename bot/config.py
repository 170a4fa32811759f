"""Settings from the environment, read in one place.

Everything a deployment may change is an environment variable; the defaults are the embedded,
laptop-friendly set-up (in-memory tracker, unreviewed answers served, short retention).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.paths import LOCALES

#: The languages the assistant speaks, in menu order.
LANGUAGES: tuple[str, ...] = ("nl", "en", "es", "pl", "ro")
#: Used only when nothing at all tells us the user's language (e.g. an emergency cry "112").
FALLBACK_LANGUAGE = "en"


def _env_number(name: str, default: float, kind: type = float):
    """A number from the environment, with an error that names the variable."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return kind(raw)
    except ValueError as err:
        raise SystemExit(f"{name} must be a {'whole ' if kind is int else ''}number, got {raw!r}") from err


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with :func:`settings` so tests can vary the environment."""

    retention_hours: float
    serve_unreviewed: bool
    max_message_chars: int
    channel_max_chars: int
    rasa_url: str
    rasa_timeout_s: float
    locales: Path
    safety_model_threshold: float = 0.4
    max_events: int = 60

    @property
    def retention_text(self) -> str:
        """The retention as users read it: "24", or "1.5" for a fraction."""
        return f"{self.retention_hours:g}"


def settings() -> Settings:
    return Settings(
        # How long a conversation is kept; the privacy answer states this same value.
        retention_hours=_env_number("BOT_RETENTION_HOURS", 24.0),
        serve_unreviewed=_env_bool("BOT_SERVE_UNREVIEWED", True),
        # A question longer than this gets a kind "please ask in one or two sentences".
        max_message_chars=_env_number("BOT_MAX_MESSAGE_CHARS", 1000, int),
        # Channels cut text to this before it reaches the NLU model (bounded work per message).
        channel_max_chars=_env_number("BOT_CHANNEL_MAX_CHARS", 5000, int),
        rasa_url=os.environ.get("BOT_RASA_URL", "http://127.0.0.1:5005"),
        rasa_timeout_s=_env_number("BOT_RASA_TIMEOUT_S", 10.0),
        # The knowledge files; tests and staging point this at a copy.
        locales=Path(os.environ.get("BOT_LOCALES_DIR") or LOCALES),
        # The model's confidence in a safety intent (emergency, crisis...) that puts its answer
        # first even when the phrase lists did not match (docs/benchmarks.md, safety).
        safety_model_threshold=_env_number("BOT_SAFETY_MODEL_THRESHOLD", 0.4),
        # The last events of a conversation that are kept (bot/trackers.py): about ten turns.
        max_events=_env_number("BOT_MAX_EVENTS", 60, int),
    )
