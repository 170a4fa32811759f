"""The knowledge files in `locales/`: loading, checking and rendering.

Content is data: editors change YAML, never Python. Loading always runs the full check, so a broken
edit is refused as a whole (with `file:line` for each problem) and the running assistant keeps the
last good version (see :class:`KnowledgeStore`).
"""
from bot.knowledge.loader import _fingerprint, load
from bot.knowledge.model import (
    ANSWER_VALUES,
    BUTTON_KEYS,
    BUTTON_TITLE_LIMIT,
    DEMO_KEYS,
    FIRST_MESSAGE_LIMIT,
    LANGUAGE_FILES,
    MENU_TOPICS,
    PLACEHOLDER,
    RUNTIME_VALUES,
    SYSTEM_KEYS,
    TELEGRAM_TEXT_LIMIT,
    WHATSAPP_BODY_LIMIT,
    AnswerMeta,
    Knowledge,
    KnowledgeError,
    Problem,
)
from bot.knowledge.store import KnowledgeStore

__all__ = [
    "ANSWER_VALUES", "BUTTON_KEYS", "BUTTON_TITLE_LIMIT", "DEMO_KEYS", "FIRST_MESSAGE_LIMIT", "LANGUAGE_FILES",
    "MENU_TOPICS", "PLACEHOLDER", "RUNTIME_VALUES", "SYSTEM_KEYS", "TELEGRAM_TEXT_LIMIT", "WHATSAPP_BODY_LIMIT",
    "AnswerMeta", "Knowledge", "KnowledgeError", "KnowledgeStore", "Problem", "_fingerprint", "load",
]
