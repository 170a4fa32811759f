"""The keys of `locales/<lang>/handoff.yml`: what users and staff read during a live handoff.

A leaf module (no project imports), so the knowledge loader can check the files against it.
"""
from __future__ import annotations

#: What users read, in the conversation's language (`user:` section).
USER_KEYS: tuple[str, ...] = (
    "offer",            # the consent question under help_human: what staff see, how long it is kept
    "connecting",       # after consent: staff are being asked
    "already_open",     # consent again while a chat with staff is open
    "joined",           # a staff member claimed the case
    "unclaimed",        # nobody claimed it in time; the referral (help_human) follows
    "unreachable",      # the staff chat cannot be reached; the referral follows
    "outside_hours",    # outside the staff's hours; the referral follows
    "ended_by_user",    # the user typed "stop" or tapped "back to the bot"
    "ended_by_staff",   # staff closed the case
)
#: Button titles for users (`buttons:`), at most 20 characters.
BUTTON_KEYS: tuple[str, ...] = ("start", "stop")
#: What staff read in the staff group, in the staff's language (`staff:` section).
STAFF_KEYS: tuple[str, ...] = (
    "topic", "card", "no_answers", "window_whatsapp", "window_telegram", "time_left", "duration",
    "user_message", "media", "safety", "suggestion", "claimed", "already_claimed", "claim_first",
    "not_claimed", "not_yours", "not_text", "late", "failed", "case_closed", "suggestion_sent",
    "unclaimed", "ended_by_user", "closed_by",
)
#: Button titles for staff (`staff_buttons:`).
STAFF_BUTTON_KEYS: tuple[str, ...] = ("claim", "close", "send")
#: Placeholders a staff text may use (filled in by bot.handoff.staff_chat).
STAFF_VALUES: frozenset[str] = frozenset({
    "case", "language", "channel", "answers", "window", "staff", "text", "title", "kind", "minutes",
    "until", "left", "hours",
})
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("user", USER_KEYS), ("buttons", BUTTON_KEYS), ("staff", STAFF_KEYS), ("staff_buttons", STAFF_BUTTON_KEYS),
)
FILE = "handoff.yml"
TOPIC_NAME_LIMIT = 128   # characters of a forum topic's name (Telegram)
