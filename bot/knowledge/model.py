"""The knowledge (all content of `locales/`, checked) as the assistant reads it: the
:class:`Knowledge` object with its rendering, and the names of what must exist (system keys,
buttons, limits). Loading is in :mod:`bot.knowledge.loader`, the live store in
:mod:`bot.knowledge.store`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from bot import review
from bot.problems import Problem
from bot.safety import SafetyMatcher
from bot.text import words

MENU_TOPICS: tuple[str, ...] = ("police_checks", "reporting", "health", "exit", "work", "help")
SYSTEM_KEYS: tuple[str, ...] = (
    "greet", "choose_language", "language_changed", "menu", "topic_menu", "goodbye", "thanks",
    "out_of_scope", "fallback", "input_empty", "input_too_long", "input_no_words",
    "other_language", "not_text", "no_more", "forget_confirm", "forget_cancelled", "unreviewed",
    "service_unavailable", "not_reviewed_note", "review_state_none", "review_state_some",
    "review_state_all", "not_your_language", "group_notice",
)
BUTTON_KEYS: tuple[str, ...] = ("more", "menu", "language", "help", "yes", "no")
#: Labels of the fieldworker demo page (ui.yml `demo:`).
DEMO_KEYS: tuple[str, ...] = ("title", "notice", "new_conversation", "large_text", "placeholder", "send",
                              "examples", "topics", "language", "conversation")
LANGUAGE_FILES: tuple[str, ...] = ("answers.yml", "system.yml", "ui.yml", "safety.yml")

# Channel limits (characters) the texts must fit, whatever the channel.
TELEGRAM_TEXT_LIMIT = 4096
WHATSAPP_BODY_LIMIT = 1024   # an answer's first message is sent with buttons
BUTTON_TITLE_LIMIT = 20

PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)(?:\.([a-z_]+))?\}")
#: Placeholders of system texts filled from the running configuration or the call site.
RUNTIME_VALUES = {"retention_hours", "topic", "reviewed", "total", "link"}
#: Placeholders of answer texts that are not contacts: the configuration, the review records
#: (`{review_state}`, see :meth:`Knowledge.review_state`) and the answer's `last_checked` date.
ANSWER_VALUES = {"retention_hours", "review_state", "last_checked"}
FIRST_MESSAGE_LIMIT = 600   # characters of an answer's `text`, rendered: one phone screen


class KnowledgeError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass(frozen=True)
class AnswerMeta:
    id: str
    topic: str
    related: tuple[str, ...]
    sources: tuple[str, ...]
    careful: bool = False
    critical: bool = False            # a safety answer: always served in full (see replies.answer)
    last_checked: Optional[dt.date] = None   # when a changing fact was last checked


@dataclass
class Knowledge:
    """All content, checked. Texts are returned with placeholders filled in."""

    contacts: dict[str, dict[str, str]]
    meta: dict[str, AnswerMeta]
    answers: dict[str, dict[str, dict[str, str]]]   # lang -> id -> {title, text, more}
    system: dict[str, dict[str, str]]               # lang -> key -> text
    ui: dict[str, dict[str, Any]]                   # lang -> ui.yml content
    safety: SafetyMatcher
    values: dict[str, str] = field(default_factory=dict)  # runtime placeholder values
    version: str = ""
    reviews: dict[str, dict[str, review.Record]] = field(default_factory=dict)  # lang -> id -> record
    serve_unreviewed: bool = True   # False in production: unreviewed answers become a referral
    # (lang, id) -> line in answers.yml; (lang, "safety:<list>") -> line in safety.yml
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    safety_lists: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # lang -> list -> phrases
    handoff: dict[str, dict[str, Any]] = field(default_factory=dict)  # lang -> handoff.yml (live handoff)

    def review_status(self, answer_id: str, lang: str) -> str:
        return review.status_of(self.reviews.get(lang, {}).get(answer_id), self.answers[lang][answer_id])

    def safety_review_status(self, list_name: str, lang: str) -> str:
        return review.status_of(self.reviews.get(lang, {}).get(review.safety_key(list_name)),
                                self.safety_lists[lang][list_name])

    # ---------------------------------------------------------------- rendering
    def render(self, template: str, **extra: str) -> str:
        values = {**self.values, **extra}

        def fill(match: re.Match) -> str:
            key, fieldname = match.group(1), match.group(2)
            if fieldname is None:
                return str(values.get(key, match.group(0)))
            return self.contacts.get(key, {}).get(fieldname, match.group(0))

        return PLACEHOLDER.sub(fill, template)

    def has_answer(self, answer_id: str) -> bool:
        return answer_id in self.meta

    def answer_text(self, answer_id: str, lang: str) -> str:
        return self._render_answer(self.answers[lang][answer_id]["text"], answer_id, lang)

    def answer_more(self, answer_id: str, lang: str) -> Optional[str]:
        more = self.answers[lang][answer_id].get("more")
        return self._render_answer(more, answer_id, lang) if more else None

    def _render_answer(self, template: str, answer_id: str, lang: str) -> str:
        extra = {}
        if "{review_state}" in template:
            extra["review_state"] = self.review_state(lang)
        checked = self.meta[answer_id].last_checked
        if checked is not None:
            extra["last_checked"] = self.date_text(checked, lang)
        return self.render(template, **extra)

    def review_state(self, lang: str) -> str:
        """How many of this language's answers the reviewers approved, in words: a claim about
        review is only ever computed from the review records, never written as a fact."""
        total = len(self.answers[lang])
        reviewed = sum(self.review_status(a, lang) == review.APPROVED for a in self.answers[lang])
        key = "review_state_none" if reviewed == 0 else "review_state_all" if reviewed == total else "review_state_some"
        return self.system_text(key, lang, reviewed=str(reviewed), total=str(total))

    def date_text(self, day: dt.date, lang: str) -> str:
        """A date as people of `lang` write it, with the month in words (ui.yml `date_format`)."""
        ui = self.ui[lang]
        return str(ui["date_format"]).format(day=day.day, month=ui["date_months"][day.month - 1], year=day.year)

    def title(self, answer_id: str, lang: str) -> str:
        return self.answers[lang][answer_id]["title"]

    def system_text(self, key: str, lang: str, **extra: str) -> str:
        return self.render(self.system[lang][key], **extra)

    def topic_label(self, topic: str, lang: str) -> str:
        return self.ui[lang]["topics"][topic]

    def button(self, key: str, lang: str) -> str:
        return self.ui[lang]["buttons"][key]

    def language_name(self, lang: str) -> str:
        return self.ui[lang]["language_name"]

    def examples(self, topic: str, lang: str) -> list[str]:
        """Example questions for a topic (demo chips)."""
        return [str(q) for q in (self.ui[lang].get("examples") or {}).get(topic) or []]

    def demo_text(self, key: str, lang: str) -> str:
        return str(self.ui[lang]["demo"][key])

    def answers_in_topic(self, topic: str) -> list[str]:
        return [m.id for m in self.meta.values() if m.topic == topic]

    # ---------------------------------------------------------- live handoff (handoff.yml)
    def handoff_text(self, section: str, key: str, lang: str, **extra: str) -> str:
        """A text of `locales/<lang>/handoff.yml` (section `user`, `buttons`, `staff` or
        `staff_buttons`), placeholders filled in; the values themselves are never re-read as
        placeholders, so a user's text passed as `text=` stays as it was written."""
        return self.render(self.handoff[lang][section][key], **extra)

    def handoff_stop_words(self) -> dict[str, str]:
        """Every language's words that end a chat with staff, folded (bot.text.words) -> language."""
        return {" ".join(words(word)): lang for lang in self.handoff for word in self.handoff[lang]["stop_words"]}

    @property
    def language_words(self) -> dict[str, dict[str, list]]:
        """Per interface language, how it writes each language's name (ui.yml `language_words`)."""
        return {lang: ui["language_words"] for lang, ui in self.ui.items()}
