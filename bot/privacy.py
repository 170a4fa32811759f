"""Pseudonymous conversation ids: a keyed hash of a channel's user id (chat id, phone number).

The same user always maps to the same pseudonym (so a conversation continues, also across
replicas that share the secret), but the pseudonym cannot be turned back into the number without
the secret. Raw ids never reach Rasa, the tracker store or the logs.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets

SECRET_ENV = "BOT_ID_SECRET"


class MissingSecret(SystemExit):
    pass


@functools.lru_cache(maxsize=1)
def _secret() -> bytes:
    value = os.environ.get(SECRET_ENV, "")
    if value:
        if len(value) < 16:
            raise MissingSecret(f"{SECRET_ENV} must be at least 16 characters (use: openssl rand -hex 32)")
        return value.encode()
    if os.environ.get("BOT_ENV", "embedded") == "production":
        raise MissingSecret(
            f"{SECRET_ENV} is not set. In production every replica and gateway needs the same secret "
            f"to pseudonymise user ids. Create one with `openssl rand -hex 32` and set it in the environment.")
    # Embedded/demo: a fresh secret per process; conversations do not survive a restart anyway.
    return secrets.token_bytes(32)


def pseudonymise(channel: str, raw_id: str) -> str:
    """`channel` keeps ids of different channels apart (a Telegram id is not a WhatsApp id)."""
    digest = hmac.new(_secret(), f"{channel}:{raw_id}".encode(), hashlib.sha256).hexdigest()
    return f"{channel[:2]}-{digest[:32]}"
