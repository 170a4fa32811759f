"""The knowledge files in `locales/`: loading, checking and rendering.

Content is data: editors change YAML, never Python. Loading always runs the full check, so a broken
edit is refused as a whole (with `file:line` for each problem) and the running assistant keeps the
last good version (see :class:`KnowledgeStore`).
"""
from bot.knowledge.loader import fingerprint, load
from bot.knowledge.model import (
    BUTTON_TITLE_LIMIT,
    DEMO_KEYS,
    MENU_TOPICS,
    PLACEHOLDER,
    SYSTEM_KEYS,
    TELEGRAM_TEXT_LIMIT,
    WHATSAPP_BODY_LIMIT,
    Knowledge,
    KnowledgeError,
    Problem,
)
from bot.knowledge.store import KnowledgeStore

# what the rest of the assistant uses; the checks' own constants stay in bot.knowledge.model
__all__ = [
    "BUTTON_TITLE_LIMIT", "DEMO_KEYS", "MENU_TOPICS", "PLACEHOLDER", "SYSTEM_KEYS", "TELEGRAM_TEXT_LIMIT",
    "WHATSAPP_BODY_LIMIT", "Knowledge", "KnowledgeError", "KnowledgeStore", "Problem", "fingerprint", "load",
]
