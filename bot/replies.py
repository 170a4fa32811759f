"""Builds the messages the assistant sends: text, buttons, and the hidden `custom` payload.

Every message carries `{"answer_id": ..., "language": ...}` in `custom`; channels hide it, tests
and evaluation read it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from bot.config import LANGUAGES
from bot.knowledge import MENU_TOPICS, Knowledge, KnowledgeError
from bot.review import APPROVED

#: `language` of the one message written in all five languages (ISO 639-2 "multiple").
MULTILINGUAL = "mul"
#: Only when the content files cannot be read at all: never silence, and 112 needs no translation.
LAST_RESORT = {"text": "Emergency: 112.", "buttons": [],
               "custom": {"answer_id": "service_unavailable", "language": "en"}}


def payload(intent: str, **entities: str) -> str:
    """A button payload Rasa understands without the NLU model: `/intent{"entity": "value"}`."""
    return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")


@dataclass(frozen=True)
class Reply:
    text: str
    answer_id: str
    language: str
    buttons: tuple[tuple[str, str], ...] = field(default=())  # (title, payload)
    safety: Optional[str] = None   # the safety category that put this answer first
    handoff: Optional[Mapping[str, Any]] = None   # a live-handoff directive for the gateway (bot/handoff/turns.py)

    def as_message(self) -> dict:
        custom: dict[str, Any] = {"answer_id": self.answer_id, "language": self.language}
        if self.safety:
            custom["safety"] = self.safety
        if self.handoff:
            custom["handoff"] = dict(self.handoff)
        return {
            "text": self.text,
            "buttons": [{"title": t, "payload": p} for t, p in self.buttons],
            "custom": custom,
        }


def menu_button(k: Knowledge, lang: str) -> tuple[str, str]:
    return (k.button("menu", lang), payload("menu"))


def answer(k: Knowledge, answer_id: str, lang: str, safety: Optional[str] = None) -> Reply:
    """An answer with its follow-up buttons; unreviewed text is marked, or withheld if so set.
    A `critical` answer (a safety answer, forget-me) is never withheld: no number is dropped for a
    person in danger; until it is reviewed it carries the short "not checked yet" note."""
    reviewed = k.review_status(answer_id, lang) == APPROVED
    if not reviewed and not k.serve_unreviewed and not k.meta[answer_id].critical:
        return system(k, "unreviewed", lang, answer_id, help_buttons(k, lang))
    buttons = [(k.title(rel, lang), payload(rel)) for rel in k.meta[answer_id].related]
    if k.answer_more(answer_id, lang):
        buttons.append((k.button("more", lang), payload("more")))
    buttons.append(menu_button(k, lang))
    text = k.answer_text(answer_id, lang)
    if not reviewed:
        text = f"{text}\n\n{k.system_text('not_reviewed_note', lang)}"
    return Reply(text, answer_id, lang, tuple(buttons), safety)


def more(k: Knowledge, answer_id: str, lang: str) -> Optional[Reply]:
    text = k.answer_more(answer_id, lang)
    if not text:
        return None
    buttons = [(k.title(rel, lang), payload(rel)) for rel in k.meta[answer_id].related]
    return Reply(text, answer_id, lang, tuple(buttons) + (menu_button(k, lang),))


def system(k: Knowledge, key: str, lang: str, answer_id: Optional[str] = None,
           buttons: tuple[tuple[str, str], ...] = (), **values: str) -> Reply:
    return Reply(k.system_text(key, lang, **values), answer_id or key, lang, buttons)


def topic_buttons(k: Knowledge, lang: str) -> tuple[tuple[str, str], ...]:
    topics = tuple((k.topic_label(t, lang), payload("menu", topic=t)) for t in MENU_TOPICS)
    return topics + ((k.button("language", lang), payload("language")),)


def menu(k: Knowledge, lang: str, topic: Optional[str] = None, text_key: str = "menu",
         answer_id: str = "menu") -> Reply:
    if topic in MENU_TOPICS:
        buttons = tuple((k.title(a, lang), payload(a)) for a in k.answers_in_topic(topic))
        return system(k, "topic_menu", lang, "menu", buttons + (menu_button(k, lang),),
                      topic=k.topic_label(topic, lang))
    return system(k, text_key, lang, answer_id, topic_buttons(k, lang))


def help_buttons(k: Knowledge, lang: str) -> tuple[tuple[str, str], ...]:
    return (menu_button(k, lang), (k.button("help", lang), payload("help_human")))


def language_choice(k: Knowledge, answer_id: str = "greet") -> Reply:
    """One message in all five languages with one button per language, each in its own name."""
    text = "\n".join(k.system_text("choose_language", lang) for lang in LANGUAGES)
    buttons = tuple((k.language_name(lang), payload("language", language=lang)) for lang in LANGUAGES)
    return Reply(text, answer_id, MULTILINGUAL, buttons)


def language_buttons(k: Knowledge) -> tuple[tuple[str, str], ...]:
    return language_choice(k).buttons


def language_offer(k: Knowledge, lang: str) -> Reply:
    """"Not your language?" under an answer given in a best guess: one tap switches the language
    and repeats the answer (dialogue._language)."""
    return system(k, "not_your_language", lang, "language_offer", language_buttons(k))


def unavailable(knowledge: Callable[[], Knowledge], lang: str) -> dict:
    """The "not working right now" message (112 and the help lines) for when the assistant
    produced nothing; `knowledge` is called only now, and broken content still gets 112."""
    try:
        return system(knowledge(), "service_unavailable", lang).as_message()
    except KnowledgeError:
        return dict(LAST_RESORT)
