"""`locales/<lang>/handoff.yml`, checked like every other knowledge file (the live handoff's
texts for users and staff, bot.handoff.texts)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from bot import yamlfile
from bot.handoff import texts as handoff_texts
from bot.knowledge.model import BUTTON_TITLE_LIMIT, WHATSAPP_BODY_LIMIT, Knowledge
from bot.text import words

if TYPE_CHECKING:
    from bot.knowledge.loader import _Loader


def handoff_files(loader: _Loader, lang: str, contacts: Mapping, renderer: Knowledge,
                   placeholder_sets: dict[tuple[str, str], dict[str, set]]) -> dict[str, Any]:
    """`locales/<lang>/handoff.yml`: every key of bot.handoff.texts, within the channel limits,
    with the placeholders its section allows, and the words that end a chat with staff."""
    path = loader.root / lang / handoff_texts.FILE
    data = loader.read(path) or {}
    found: dict[str, Any] = {}
    known = {section for section, _ in handoff_texts.SECTIONS} | {"stop_words"}
    for key in data:
        if key not in known:
            loader.problem(path, yamlfile.line_of(data, key), f"unknown section {key!r}; the sections are: "
                                                              f"{', '.join(sorted(known))}")
    for section, keys in handoff_texts.SECTIONS:
        section_data = data.get(section)
        entries = section_data if isinstance(section_data, dict) else {}
        staff = section.startswith("staff")
        found[section] = {}
        for key in keys:
            text = entries.get(key)
            line = yamlfile.line_of(entries, key, yamlfile.line_of(data, section))
            if not isinstance(text, str) or not text.strip():
                loader.problem(path, line, f"missing translation: {section}.{key}")
                continue
            found[section][key] = text
            allowed = set(handoff_texts.STAFF_VALUES) if staff else {"retention_hours"}
            placeholders = loader.placeholders(path, line, text, contacts, allowed)
            placeholder_sets.setdefault(("handoff", f"{section}.{key}"), {})[lang] = placeholders
            if section.endswith("buttons"):
                loader.limit( path, line, f"{section}.{key}", text, BUTTON_TITLE_LIMIT, "button title")
            elif section == "user":
                loader.limit( path, line, f"user.{key}", renderer.render(text), WHATSAPP_BODY_LIMIT,
                       "WhatsApp interactive body")
            elif key == "topic":
                loader.limit( path, line, "staff.topic", text, handoff_texts.TOPIC_NAME_LIMIT - 40,
                       "forum topic name (with room for the values)")
    stop = data.get("stop_words")
    if not isinstance(stop, list) or not stop or not all(isinstance(w, str) and words(w) for w in stop):
        loader.problem(path, yamlfile.line_of(data, "stop_words"),
                       "stop_words must be a list of words that end a chat with staff")
        stop = []
    found["stop_words"] = [str(w) for w in stop]
    return found
