"""Configuration, read in one place: every setting is an environment variable read through
:class:`Env`, which says which variable was wrong, what was wrong and how to fix it.

The defaults are the embedded, laptop-friendly set-up (in-memory tracker, unreviewed answers
served, servers on 127.0.0.1). `BOT_ENV=production` makes every process refuse to start without
the pseudonym secret (:meth:`Settings.check`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

from bot import languages
from bot.paths import LOCALES, ROOT

SECRET_ENV = "BOT_ID_SECRET"
SECRET_MIN_CHARS = 16
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ConfigError(Exception):
    """A setting is missing or wrong. The message names the variable, says what was wrong and how
    to fix it; `python -m bot` prints it and exits with status 2."""


class Env:
    """Typed access to the environment (or any mapping, for tests)."""

    def __init__(self, environ: Optional[Mapping[str, str]] = None) -> None:
        self.environ = os.environ if environ is None else environ

    def raw(self, name: str) -> Optional[str]:
        value = self.environ.get(name)
        return None if value is None or not value.strip() else value.strip()

    def text(self, name: str, default: str = "") -> str:
        return self.raw(name) or default

    def number(self, name: str, default: float, minimum: float = 0.0) -> float:
        raw = self.raw(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw!r}; for example {name}={default:g}") from None
        if value < minimum:
            raise ConfigError(f"{name} must be at least {minimum:g}, got {raw!r}")
        return value

    def whole(self, name: str, default: int, minimum: int = 0) -> int:
        raw = self.raw(name)
        if raw is None:
            return default
        if not raw.isdigit() or int(raw) < minimum:
            raise ConfigError(f"{name} must be a whole number of at least {minimum}, got {raw!r}; "
                              f"for example {name}={default}")
        return int(raw)

    def flag(self, name: str, default: bool) -> bool:
        """true/false, yes/no, on/off or 1/0; anything else is an error, never a silent False."""
        raw = self.raw(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE | _FALSE:
            return raw.lower() in _TRUE
        raise ConfigError(f"{name} must be true or false, got {raw!r}; for example {name}={str(default).lower()}")

    def choice(self, name: str, default: str, choices: Sequence[str]) -> str:
        raw = (self.raw(name) or default).lower()
        if raw not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
        return raw

    def require(self, hints: Mapping[str, str], footer: str) -> dict[str, str]:
        """The values of required variables (variable -> where to find its value); every missing
        one is reported at once, each with its hint."""
        values = {name: self.text(name) for name in hints}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise ConfigError("\n".join([f"{name} is not set: {hints[name]}." for name in missing] + [footer]))
        return values

    def address(self, name: str, default: str) -> tuple[str, int]:
        """`host:port` (also `[::1]:8080`), with an error naming the variable."""
        return listen_address(name, self.text(name, default), default)


def locales_dir(environ: Optional[Mapping[str, str]] = None) -> Path:
    """The knowledge files: `BOT_LOCALES_DIR` (tests and staging point it at a copy), else locales/."""
    return Path(Env(environ).text("BOT_LOCALES_DIR") or LOCALES)


#: The languages the assistant speaks, in menu order: each folder of the configured locales/ with a
#: language.yml (bot.languages; `python -m bot validate` checks them). Data, not code.
LANGUAGES: tuple[str, ...] = languages.codes(locales_dir())
#: Used only when nothing at all tells us the user's language (e.g. an emergency cry "112").
FALLBACK_LANGUAGE = "en" if "en" in LANGUAGES or not LANGUAGES else LANGUAGES[0]


def listen_address(name: str, value: str, example: str = "127.0.0.1:8080") -> tuple[str, int]:
    """`host:port` (also `[::1]:8080`) from the variable `name`, with an error naming it."""
    host, _, port = value.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{name} must be host:port, e.g. {example}, got {value!r}")
    return host.strip("[]"), int(port)


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
    safety_any_threshold: float = 0.7
    safety_second_threshold: float = 0.25
    safety_confirm_threshold: float = 0.35
    safety_veto_threshold: float = 0.15
    safety_veto_confidence: float = 0.8
    safety_lean_threshold: float = 0.05
    safety_lean_confidence: float = 0.5
    safety_calm_ceiling: float = 0.2
    safety_overrule_threshold: float = 0.6
    safety_frame_threshold: float = 0.85
    max_events: int = 60
    env: str = "embedded"
    id_secret: str = ""
    usage_file: str = ""
    endpoints: str = "endpoints.yml"
    host: str = "127.0.0.1"

    @property
    def retention_text(self) -> str:
        """The retention as users read it: "24", or "1.5" for a fraction."""
        return f"{self.retention_hours:g}"

    @property
    def production(self) -> bool:
        return self.env == "production"

    def check(self) -> "Settings":
        """Refuse to start a production process without the pseudonym secret (every replica and
        gateway needs the same one, or conversations split and ids could be guessed)."""
        if self.id_secret and len(self.id_secret) < SECRET_MIN_CHARS:
            raise ConfigError(f"{SECRET_ENV} must be at least {SECRET_MIN_CHARS} characters; "
                              "create one with `openssl rand -hex 32`")
        if self.production and not self.id_secret:
            raise ConfigError(f"{SECRET_ENV} is not set. In production (BOT_ENV=production) every replica and "
                              "gateway needs the same secret to pseudonymise user ids. Create one with "
                              "`openssl rand -hex 32` and set it in the environment of every process.")
        return self


def settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    env = Env(environ)
    return Settings(
        # How long a conversation is kept; the privacy answer states this same value.
        retention_hours=env.number("BOT_RETENTION_HOURS", 24.0, minimum=0.0001),
        serve_unreviewed=env.flag("BOT_SERVE_UNREVIEWED", True),
        # A question longer than this gets a kind "please ask in one or two sentences".
        max_message_chars=env.whole("BOT_MAX_MESSAGE_CHARS", 1000, minimum=1),
        # Channels cut text to this before it reaches the NLU model (bounded work per message).
        channel_max_chars=env.whole("BOT_CHANNEL_MAX_CHARS", 5000, minimum=1),
        rasa_url=env.text("BOT_RASA_URL", "http://127.0.0.1:5005"),
        rasa_timeout_s=env.number("BOT_RASA_TIMEOUT_S", 10.0, minimum=0.1),
        # The knowledge files; tests and staging point this at a copy.
        locales=locales_dir(environ),
        # The safety model's probability of a category (danger, crisis...) that puts its answer
        # first even when the phrase lists did not match; and, when the four together reach the
        # "any" threshold, the lower one that puts each likely category's answer first (chosen on
        # the blind round-3 set: docs/benchmarks.md, safety; bot.safety.model_categories).
        safety_model_threshold=env.number("BOT_SAFETY_MODEL_THRESHOLD", 0.4, minimum=0.0),
        safety_any_threshold=env.number("BOT_SAFETY_ANY_THRESHOLD", 0.7, minimum=0.0),
        safety_second_threshold=env.number("BOT_SAFETY_SECOND_THRESHOLD", 0.25, minimum=0.0),
        # The intent model's own 112 or 113 answer, with no list match, stands only when the safety
        # model gives its category at least this ("i'd kill for a day off", "czy tabletkę dzień po
        # kupię bez recepty" went to the crisis answer; rounds 6-13 offline: no recall lost, the
        # closest real crisis message at 0.36; docs/benchmarks.md, safety).
        safety_confirm_threshold=env.number("BOT_SAFETY_CONFIRM_THRESHOLD", 0.35, minimum=0.0),
        # A phrase-list match both models deny is no alarm: the intent model is at least this sure
        # of an ordinary answer and the safety model gives the category less than the veto
        # threshold ("zabije mnie ten papierkowy chaos z kvk": 'kill me', about paperwork).
        safety_veto_threshold=env.number("BOT_SAFETY_VETO_THRESHOLD", 0.15, minimum=0.0),
        safety_veto_confidence=env.number("BOT_SAFETY_VETO_CONFIDENCE", 0.8, minimum=0.0),
        # ...and when it only leans to an ordinary answer, a list match the safety model all but
        # rules out ("czy na kontroli gemeente mogą przeglądać mój telefon": 'goes through my phone',
        # a question about checks; chosen on rounds 6-10, no recall lost on any of them).
        safety_lean_threshold=env.number("BOT_SAFETY_LEAN_THRESHOLD", 0.05, minimum=0.0),
        safety_lean_confidence=env.number("BOT_SAFETY_LEAN_CONFIDENCE", 0.5, minimum=0.0),
        # ...and whatever the intent model says (even when it is unsure), when the safety model
        # gives every category less than this ceiling: it reads the whole message as calm ("zabija
        # mnie ta biurokracja z kvk": 'kills me', about paperwork; chosen on rounds 6-14, no recall
        # lost on any of them).
        safety_calm_ceiling=env.number("BOT_SAFETY_CALM_CEILING", 0.2, minimum=0.0),
        # ...and a signal of the safety model alone needs at least this much then ("can they ask
        # for my phone at a check?" is a question about checks, not exploitation).
        safety_overrule_threshold=env.number("BOT_SAFETY_OVERRULE_THRESHOLD", 0.6, minimum=0.0),
        # A calm frame of the lists (a question, the past: `not_<category>`) silences the safety
        # model's signal of that category unless the model is at least this sure: "the guy from
        # last week who strangled me is back in the hallway" is danger, "¿cuándo hay que llamar al
        # 112?" (0.81) a question. 0.9 until round 28; replayed on the first runs of rounds 23-28,
        # 0.85 finds 4 disclosures more and 0.7 five, with no false alarm more on those rounds, but
        # 0.7 alarms two calm questions of tests/data/safety (bench/notes.md). The intent model's
        # own 113 answer to a crisis phrase a frame cancels waits for it too.
        safety_frame_threshold=env.number("BOT_SAFETY_FRAME_THRESHOLD", 0.85, minimum=0.0),
        # The last events of a conversation that are kept (bot/trackers.py): about ten turns.
        max_events=env.whole("BOT_MAX_EVENTS", 60, minimum=10),
        env=env.choice("BOT_ENV", "embedded", ("embedded", "production")),
        id_secret=env.text(SECRET_ENV),
        # Usage counts per day and answer (bot/usage.py); "off" counts nothing.
        usage_file=env.text("BOT_USAGE_FILE", str(ROOT / ".rasa" / "usage.json")),
        endpoints=env.text("BOT_ENDPOINTS", "endpoints.yml"),
        # The interface every server of this project listens on.
        host=env.text("BOT_HOST", "127.0.0.1"),
    )
