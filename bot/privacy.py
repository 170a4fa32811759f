"""Pseudonymous conversation ids: a keyed hash of a channel's user id (chat id, phone number).

The same user always maps to the same pseudonym (so a conversation continues, also across
replicas that share the secret), but the pseudonym cannot be turned back into the number without
the secret. Raw ids never reach Rasa, the tracker store or the logs.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from bot.config import SECRET_ENV, ConfigError, settings

MissingSecret = ConfigError   # the name older code and tests use
__all__ = ["SECRET_ENV", "MissingSecret", "pseudonymise"]


@functools.lru_cache(maxsize=1)
def _secret() -> bytes:
    """The configured secret (production refuses to run without one, see Settings.check)."""
    configured = settings().check().id_secret
    if configured:
        return configured.encode()
    # Embedded/demo: a fresh secret per process; conversations do not survive a restart anyway.
    return secrets.token_bytes(32)


def pseudonymise(channel: str, raw_id: str) -> str:
    """`channel` keeps ids of different channels apart (a Telegram id is not a WhatsApp id)."""
    digest = hmac.new(_secret(), f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()
    return f"{channel[:2]}-{digest[:32]}"
