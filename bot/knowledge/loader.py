"""Reading and checking every knowledge file: a broken edit is refused as a whole, with
`file:line` for each problem (:class:`KnowledgeError`)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from bot import languages, review, yamlfile
from bot.knowledge.handoff_files import handoff_files
from bot.knowledge.model import (
    ANSWER_VALUES,
    BUTTON_KEYS,
    BUTTON_TITLE_LIMIT,
    DEMO_KEYS,
    FIRST_MESSAGE_LIMIT,
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
from bot.paths import LOCALES
from bot.safety import CATEGORIES as SAFETY_CATEGORIES
from bot.safety import LIST_KEYS as SAFETY_LIST_KEYS
from bot.safety import PLEAS as SAFETY_PLEAS
from bot.safety import SafetyMatcher


class _Loader:
    """Collects problems while reading; turns the files into a :class:`Knowledge`."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def limit(self, path: Path, line: int, what: str, text: str, limit: int, channel: str) -> None:
        if len(text) > limit:
            self.problem(path, line, f"{what} is {len(text)} characters, over the {channel} limit of {limit}")

    def problem(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(self.rel(path), line, message))

    def read(self, path: Path) -> Any:
        if not path.is_file():
            self.problem(path, 1, "file is missing")
            return None
        try:
            data = yamlfile.load(path)
        except yamlfile.YamlError as err:
            self.problem(path, err.line, err.message)
            return None
        self._report_duplicates(path, data)
        if not isinstance(data, dict):
            self.problem(path, 1, "expected a mapping of keys to values at the top")
            return None
        return data

    def _report_duplicates(self, path: Path, node: Any) -> None:
        if isinstance(node, yamlfile.LineDict):
            for key, line in node.duplicates:
                self.problem(path, line, f"duplicate id {key!r} (written twice; the last one would win)")
            for value in node.values():
                self._report_duplicates(path, value)
        elif isinstance(node, list):
            for value in node:
                self._report_duplicates(path, value)

    # ------------------------------------------------------------ language-neutral files
    def contacts(self) -> dict[str, dict[str, str]]:
        path = self.root / "contacts.yml"
        data = self.read(path) or {}
        contacts: dict[str, dict[str, str]] = {}
        for key, entry in data.items():
            if not isinstance(entry, dict) or "name" not in entry:
                self.problem(path, yamlfile.line_of(data, key), f"contact {key!r} needs at least a name")
                continue
            if "source" not in entry:
                self.problem(path, yamlfile.line_of(data, key), f"contact {key!r} has no source")
            contacts[key] = {k: str(v) for k, v in entry.items() if k != "source"}
        return contacts

    def meta(self) -> dict[str, AnswerMeta]:
        path = self.root / "answers.yml"
        data = (self.read(path) or {}).get("answers") or {}
        meta: dict[str, AnswerMeta] = {}
        for answer_id, entry in data.items():
            line = yamlfile.line_of(data, answer_id)
            if not isinstance(entry, dict):
                self.problem(path, line, f"answer {answer_id!r} must be a mapping")
                continue
            topic = entry.get("topic")
            if topic not in MENU_TOPICS + ("system",):
                self.problem(path, line, f"answer {answer_id!r} has unknown topic {topic!r}")
            sources = entry.get("sources") or []
            if not sources:
                self.problem(path, line, f"answer {answer_id!r} has no sources")
            checked = entry.get("last_checked")
            if checked is not None and not isinstance(checked, dt.date):
                self.problem(path, yamlfile.line_of(entry, "last_checked"),
                             f"last_checked of {answer_id!r} must be a date like 2026-12-06")
                checked = None
            meta[answer_id] = AnswerMeta(
                id=answer_id,
                topic=str(topic),
                related=tuple(entry.get("related") or ()),
                sources=tuple(str(s) for s in sources),
                careful=bool(entry.get("careful", False)),
                critical=bool(entry.get("critical", False)),
                last_checked=checked,
            )
        for m in meta.values():
            for rel in m.related:
                if rel not in meta:
                    self.problem(path, yamlfile.line_of(data[m.id], "related"),
                                 f"answer {m.id!r} has unknown related id {rel!r}")
        return meta

    # ------------------------------------------------------------ per-language files
    def placeholders(self, path: Path, line: int, text: str, contacts: Mapping, allowed: set) -> set:
        found = set()
        for match in PLACEHOLDER.finditer(text):
            key, fieldname = match.group(1), match.group(2)
            found.add(match.group(0))
            if fieldname is None:
                if key not in allowed:
                    self.problem(path, line, f"unknown placeholder {match.group(0)}")
            elif key not in contacts:
                self.problem(path, line, f"unknown contact key {key!r} in {match.group(0)}")
            elif fieldname not in contacts[key]:
                self.problem(path, line, f"contact {key!r} has no confirmed {fieldname!r} ({match.group(0)})")
        return found

    def texts(self, lang: str, name: str, expected: Iterable[str]) -> tuple[dict, Optional[dict]]:
        path = self.root / lang / name
        data = self.read(path) or {}
        for key in expected:
            if key not in data:
                self.problem(path, 1, f"missing translation: {key!r} has no {lang} text")
        return data, data or None


def load(root: Path = LOCALES, values: Optional[dict[str, str]] = None,
         serve_unreviewed: bool = True) -> Knowledge:
    """Read and check every knowledge file; raise :class:`KnowledgeError` listing all problems."""
    loader = _Loader(root)
    values = {"retention_hours": "24", **(values or {})}
    contacts = loader.contacts()
    meta = loader.meta()
    answers: dict[str, dict] = {}
    system: dict[str, dict] = {}
    ui: dict[str, dict] = {}
    safety_lists: dict[str, dict] = {}
    reviews: dict[str, dict] = {}
    handoff: dict[str, dict] = {}
    lines: dict[tuple[str, str], int] = {}
    placeholder_sets: dict[tuple[str, str], dict[str, set]] = {}
    renderer = Knowledge(contacts, meta, {}, {}, {}, SafetyMatcher({}), values)

    # the languages: each folder with a language.yml (bot.languages), every field checked
    _, issues = languages.read(root)
    for issue in issues:
        loader.problem(Path(issue.path), issue.line, issue.message)
    codes = languages.codes(root)

    for lang in codes:
        # answers
        path = loader.root / lang / "answers.yml"
        data, _ = loader.texts(lang, "answers.yml", meta)
        answers[lang] = {}
        for answer_id, entry in data.items():
            line = yamlfile.line_of(data, answer_id)
            if answer_id not in meta:
                loader.problem(path, line, f"answer {answer_id!r} is not in locales/answers.yml")
                continue
            if not isinstance(entry, dict) or not entry.get("title") or not entry.get("text"):
                loader.problem(path, line, f"answer {answer_id!r} needs a title and a text")
                continue
            entry = {k: str(v) for k, v in entry.items() if k in ("title", "text", "more") and v}
            answers[lang][answer_id] = entry
            lines[(lang, answer_id)] = line
            found = set()
            allowed = ANSWER_VALUES if meta[answer_id].last_checked else ANSWER_VALUES - {"last_checked"}
            for part in ("title", "text", "more"):
                if part in entry:
                    found |= loader.placeholders(path, line, entry[part], contacts, allowed)
            if meta[answer_id].last_checked and "{last_checked}" not in entry["text"]:
                loader.problem(path, line, f"text of {answer_id!r} must show when it was last checked: "
                                           "add {last_checked}")
            placeholder_sets.setdefault(("answers", answer_id), {})[lang] = found
            loader.limit(path, line, f"title of {answer_id!r}", entry["title"], BUTTON_TITLE_LIMIT, "button title")
            text = renderer.render(entry["text"], review_state="x" * 120, last_checked="x" * 20)
            loader.limit(path, line, f"text of {answer_id!r}", text, FIRST_MESSAGE_LIMIT,
                   "first message (one phone screen; move details to `more`)")
            if "more" in entry:
                loader.limit(path, line, f"more of {answer_id!r}", renderer.render(entry["more"]),
                       TELEGRAM_TEXT_LIMIT, "Telegram message")

        # system texts
        path = loader.root / lang / "system.yml"
        data, _ = loader.texts(lang, "system.yml", SYSTEM_KEYS)
        system[lang] = {}
        for key, text in data.items():
            line = yamlfile.line_of(data, key)
            if not isinstance(text, str) or not text.strip():
                loader.problem(path, line, f"system text {key!r} must be non-empty text")
                continue
            system[lang][key] = text
            found = loader.placeholders(path, line, text, contacts, RUNTIME_VALUES)
            placeholder_sets.setdefault(("system", key), {})[lang] = found
            loader.limit(path, line, f"system text {key!r}", renderer.render(text, topic="x" * 20),
                   WHATSAPP_BODY_LIMIT, "WhatsApp interactive body")

        # ui
        path = loader.root / lang / "ui.yml"
        data, _ = loader.texts(lang, "ui.yml", ("language_name", "topics", "buttons", "language_words",
                                                "examples", "demo", "date_months", "date_format"))
        ui[lang] = data
        months = data.get("date_months")
        if "date_months" in data and (not isinstance(months, list) or len(months) != 12):
            loader.problem(path, yamlfile.line_of(data, "date_months"), "date_months needs the 12 month names")
        if "date_format" in data and not {"{day}", "{month}", "{year}"} <= set(re.findall(r"\{\w+\}", str(data["date_format"]))):
            loader.problem(path, yamlfile.line_of(data, "date_format"), "date_format needs {day}, {month} and {year}")
        for group, keys, limit in (("topics", MENU_TOPICS, BUTTON_TITLE_LIMIT),
                                   ("buttons", BUTTON_KEYS, BUTTON_TITLE_LIMIT),
                                   ("examples", MENU_TOPICS, None), ("demo", DEMO_KEYS, None)):
            labels = data.get(group) or {}
            for key in keys:
                if not labels.get(key):
                    loader.problem(path, yamlfile.line_of(data, group), f"missing translation: {group}.{key}")
                elif limit:
                    loader.limit(path, yamlfile.line_of(labels, key), f"{group}.{key}", str(labels[key]),
                           limit, "button title")
        if "language_name" in data:
            loader.limit(path, yamlfile.line_of(data, "language_name"), "language_name",
                   str(data["language_name"]), BUTTON_TITLE_LIMIT, "button title")
        words = data.get("language_words") or {}
        for code in codes:
            if not words.get(code):
                loader.problem(path, yamlfile.line_of(data, "language_words"),
                               f"language_words has no names for {code!r}: add how people write "
                               f"{languages.english_name(code, root)} in this language, e.g. `{code}: [...]`")
        for code in words if isinstance(words, dict) else ():
            if code not in codes:
                loader.problem(path, yamlfile.line_of(words, code),
                               f"language_words names {code!r}, which is no language of locales/ (no "
                               f"locales/{code}/language.yml): add that language or remove the line")

        # WhatsApp command words (read by bot.channels.whatsapp_commands when its gateway starts)
        if not (loader.root / lang / "commands.yml").is_file():
            loader.problem(loader.root / lang / "commands.yml", 1,
                           "file is missing: the WhatsApp command words of this language; copy "
                           "locales/en/commands.yml and translate the words")

        # live handoff texts (bot/handoff/texts.py, docs/handoff.md)
        handoff[lang] = handoff_files(loader, lang, contacts, renderer, placeholder_sets)

        # safety phrases
        path = loader.root / lang / "safety.yml"
        data = loader.read(path) or {}
        for key in SAFETY_CATEGORIES:
            if not data.get(key):
                loader.problem(path, 1, f"safety list {key!r} is missing or empty")
        if not data.get(SAFETY_PLEAS):
            loader.problem(path, 1, f"safety list {SAFETY_PLEAS!r} is missing or empty: list the words that only "
                                    "call for help (help, sos), or \"help me\" alarms in every long message "
                                    "(docs/content-schema.md)")
        for key in data:
            if key not in SAFETY_LIST_KEYS:
                loader.problem(path, yamlfile.line_of(data, key),
                               f"unknown safety list {key!r}; the lists are: {', '.join(SAFETY_LIST_KEYS)}")
        safety_lists[lang] = {k: [str(p) for p in (data.get(k) or [])] for k in SAFETY_LIST_KEYS}
        lines.update({(lang, review.safety_key(k)): yamlfile.line_of(data, k) for k in data if k in SAFETY_LIST_KEYS})

        # review records (optional until the first review)
        path = loader.root / lang / review.FILE
        reviews[lang] = {}
        if path.is_file():
            data = loader.read(path) or {}
            try:
                reviews[lang] = review.parse(data)
            except ValueError as err:
                loader.problem(path, 1, str(err))
            reviewable = set(meta) | {review.safety_key(k) for k in SAFETY_LIST_KEYS}
            for answer_id in reviews[lang]:
                if answer_id not in reviewable:
                    loader.problem(path, yamlfile.line_of(data, answer_id), f"review of unknown answer {answer_id!r}")

    # the same placeholders in every language (a number missing in one language is a bug)
    reference_lang = "en" if "en" in codes or not codes else codes[0]
    for (kind, key), per_lang in placeholder_sets.items():
        reference = per_lang.get(reference_lang)
        if reference is None:
            continue
        for lang, found in per_lang.items():
            if found != reference:
                path = loader.root / lang / f"{kind}.yml"
                missing, extra = sorted(reference - found), sorted(found - reference)
                detail = ", ".join(filter(None, [f"missing {missing}" if missing else "", f"extra {extra}" if extra else ""]))
                loader.problem(path, 1 if kind == "system" else 1,
                               f"placeholders of {key!r} differ from {languages.english_name(reference_lang, root)}: {detail}")

    if loader.problems:
        raise KnowledgeError(loader.problems)
    return Knowledge(contacts, meta, answers, system, ui, SafetyMatcher.of(safety_lists), values,
                     version=fingerprint(root), reviews=reviews, serve_unreviewed=serve_unreviewed, lines=lines,
                     safety_lists=safety_lists, handoff=handoff)


def fingerprint(root: Path) -> str:
    """Changes whenever any knowledge file changes (size or modification time)."""
    parts = []
    for path in sorted(root.rglob("*.yml")):
        st = path.stat()
        parts.append(f"{path.name}:{st.st_mtime_ns}:{st.st_size}")
    return str(hash("|".join(parts)))
