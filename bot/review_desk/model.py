"""What the review desk shows: the knowledge files as users see them, the catalog's brief for
each answer, the review records, the content lint, and the blind-set recall of the safety lists.

Everything is read from disk again whenever a file changed (the editor keeps working in the YAML
while reviewers read), and a review goes through :func:`bot.review.record`, the same code as
`python -m bot review approve|reject`.
"""
from __future__ import annotations

import difflib
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, cast

import yaml

from bot import knowledge, lint, review
from bot.config import LANGUAGES
from bot.knowledge import MENU_TOPICS, Knowledge

TOPICS = MENU_TOPICS + ("system",)
#: What each safety list catches (docs/content-schema.md), for reviewers.
SAFETY_LISTS = {
    "danger": "danger now: someone hurting, threatening, locking in or following the writer (puts 112 first)",
    "crisis": "thoughts of suicide or self-harm (puts 113 first)",
    "sexual_violence": "a disclosure of rape or sexual assault, now or in the past",
    "trafficking": "exploitation: forced work, passport taken, a debt to work off, cannot leave",
    "not_danger": "questions about violence, past events, harmless uses (\"kill time\"): cancel a danger match",
    "not_crisis": "questions about suicide or harmless uses: cancel a crisis match",
    "not_sexual_violence": "questions about sexual violence: cancel a sexual violence match",
    "not_trafficking": "questions about trafficking: cancel a trafficking match",
    "now": "words that bring a past story back to now (\"but now\"): a past frame before them calms no danger after them",
}
CAREFUL_CHOICES = ("", "first", "only")
_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass
class Cell:
    """One answer in one language."""

    lang: str
    status: str
    record: Optional[review.Record]
    hash: str
    title: str
    text: str                      # as users see it: contacts, dates and counts filled in
    more: Optional[str]
    warnings: list[str]
    changes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # part -> diff ops
    edited_since: bool = False     # the wording is not the one the record is about


@dataclass
class SafetyCell:
    """One safety phrase list in one language."""

    lang: str
    name: str
    status: str
    record: Optional[review.Record]
    hash: str
    phrases: list[str]
    added: list[str]
    removed: list[str]
    edited_since: bool = False


@dataclass
class Row:
    """One answer on the overview."""

    id: str
    question: str
    topic: str
    careful: bool
    critical: bool
    statuses: dict[str, str]


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op "same", "del" or "ins", word by word (spaces and line breaks kept)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("same", "".join(a[i1:i2])))
        if tag in ("delete", "replace"):
            ops.append(("del", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(("ins", "".join(b[j1:j2])))
    return ops


def load_catalog(path: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """(id -> catalog entry with question, must_say, sources, careful, note; topic -> its name);
    both empty without a catalog."""
    if not path.is_file():
        return {}, {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = {str(entry["id"]): entry for entry in data.get("answers") or []
               if isinstance(entry, dict) and "id" in entry}
    return entries, {str(k): str(v) for k, v in (data.get("topics") or {}).items()}


class Desk:
    """The knowledge files, the catalog and derived data, re-read when a file changes."""

    def __init__(self, locales: Path, catalog: Path):
        self.locales = locales
        self.catalog_path = catalog
        self._lock = threading.Lock()
        self._seen: Optional[str] = None
        self._k: Optional[Knowledge] = None
        self._error: Optional[knowledge.KnowledgeError] = None
        self._lint: dict[tuple[str, str], list[str]] = {}
        self._recall: dict[str, Any] = {}   # safety fingerprint -> results
        self._catalog: tuple[float, tuple[dict, dict]] = (-1.0, ({}, {}))

    # ------------------------------------------------------------------ loading
    def knowledge(self) -> Knowledge:
        """The current files, checked; raises :class:`bot.knowledge.KnowledgeError` while they have a
        problem (never an older version: a reviewer must see what is on disk)."""
        with self._lock:
            version = knowledge.fingerprint(self.locales)
            if version != self._seen:
                self._seen, self._k, self._error = version, None, None
                try:
                    self._k = knowledge.load(self.locales)
                    self._lint = self._lint_by_cell(self._k)
                except knowledge.KnowledgeError as err:
                    self._error = err
            if self._error is not None:
                raise self._error
            assert self._k is not None
            return self._k

    def catalog(self) -> dict[str, dict]:
        """id -> the catalog's entry for that answer (re-read when the file changes)."""
        mtime = self.catalog_path.stat().st_mtime if self.catalog_path.is_file() else 0.0
        if mtime != self._catalog[0]:
            self._catalog = (mtime, load_catalog(self.catalog_path))
        return self._catalog[1][0]

    def topic_name(self, topic: str) -> str:
        self.catalog()
        return self._catalog[1][1].get(topic) or topic.replace("_", " ")

    def _lint_by_cell(self, k: Knowledge) -> dict[tuple[str, str], list[str]]:
        """The content lint's warnings (bot.lint), per (lang, answer id)."""
        found: dict[tuple[str, str], list[str]] = {}
        for problem in lint.lint(k, self.locales):
            lang = problem.path.split("/")[1]
            answer_id = problem.message.split()[1].rstrip(":")
            reason = problem.message.split(answer_id, 1)[1].lstrip(": ")
            if reason.startswith("is "):
                reason = "This answer " + reason
            found.setdefault((lang, answer_id), []).append(reason)
        return found

    # ------------------------------------------------------------------ answers
    def question(self, answer_id: str) -> str:
        return str(self.catalog().get(answer_id, {}).get("question") or answer_id)

    def cells(self, k: Knowledge, answer_id: str) -> list[Cell]:
        cells = []
        for lang in LANGUAGES:
            entry = k.answers[lang][answer_id]
            record = k.reviews.get(lang, {}).get(answer_id)
            now = cast(dict, review.wording(entry))   # an answer's wording: {title, text, more}
            edited = record is not None and record.hash != review.text_hash(entry)
            changes = {}
            if edited and record is not None and record.reviewed is not None:
                reviewed = cast(dict, record.reviewed)
                for part in review.PARTS:
                    before, after = str(reviewed.get(part, "")), str(now.get(part, ""))
                    if before != after:
                        changes[part] = word_diff(before, after)
            cells.append(Cell(lang, k.review_status(answer_id, lang), record, review.text_hash(entry),
                              k.render(entry["title"]), k.answer_text(answer_id, lang),
                              k.answer_more(answer_id, lang), self._lint.get((lang, answer_id), []),
                              changes, edited))
        return cells

    def rows(self, k: Knowledge, status: str = "", lang: str = "", careful: str = "") -> list[Row]:
        """The answers to list, critical ones first, then by topic; filtered and sorted as asked."""
        rows = []
        for answer_id, meta in k.meta.items():
            statuses = {code: k.review_status(answer_id, code) for code in LANGUAGES}
            if status and status not in ([statuses[lang]] if lang else statuses.values()):
                continue
            if careful == "only" and not meta.careful:
                continue
            rows.append(Row(answer_id, self.question(answer_id), meta.topic, meta.careful, meta.critical, statuses))
        order = {topic: i for i, topic in enumerate(TOPICS)}
        return sorted(rows, key=lambda r: (not r.critical, order.get(r.topic, len(order)),
                                           careful == "first" and not r.careful))

    # ------------------------------------------------------------------ safety lists
    @staticmethod
    def safety_names(k: Knowledge, lang: str) -> list[str]:
        return [name for name, phrases in k.safety_lists[lang].items() if phrases]

    def safety_cell(self, k: Knowledge, lang: str, name: str) -> SafetyCell:
        phrases = k.safety_lists[lang][name]
        record = k.reviews.get(lang, {}).get(review.safety_key(name))
        edited = record is not None and record.hash != review.text_hash(phrases)
        added: list[str] = []
        removed: list[str] = []
        if edited and record is not None and record.reviewed is not None:
            before = set(record.reviewed)
            added = [p for p in phrases if p not in before]
            removed = [p for p in record.reviewed if p not in set(phrases)]
        return SafetyCell(lang, name, k.safety_review_status(name, lang), record, review.text_hash(phrases),
                          phrases, added, removed, edited)

    def recall(self, k: Knowledge) -> dict:
        """{"round": .., "lists": {lang: {category: {n, right, rate}}}}: the phrase lists alone on
        the newest blind safety set (bench.safety, about a second); cached until a list changes."""
        from bench import safety as bench_safety

        key = json.dumps(k.safety_lists, sort_keys=True)
        if key not in self._recall:
            rounds = bench_safety.rounds()
            if not rounds:
                return {}
            sets = bench_safety.load(rounds[-1])
            self._recall = {key: {"round": rounds[-1],
                                  "lists": bench_safety.measure(sets, bench_safety.lists_reply(k))}}
        return self._recall[key]

    @staticmethod
    def recall_of(results: dict, lang: str, name: str) -> Optional[dict]:
        """The blind-set figure that belongs to a list: recall of its category among the messages in
        its language, or for a not_ list the false alarms on calm messages (lower is better)."""
        per_lang = (results.get("lists") or {}).get(lang) or {}
        figure = per_lang.get("calm" if name.startswith("not_") else name)
        return dict(figure, round=results["round"], calm=name.startswith("not_")) if figure else None

    # ------------------------------------------------------------------ counts
    @staticmethod
    def counts(k: Knowledge) -> dict[str, Counter]:
        """Statuses of answer texts and safety lists, in all and per language ("answers",
        "answers:pl", "safety", "safety:pl"): the same subjects `validate --strict` checks."""
        out: dict[str, Counter] = {}
        for lang, key, _, _, status in review.subjects(k):
            kind = "safety" if review.is_safety_key(key) else "answers"
            for group in (kind, f"{kind}:{lang}"):
                out.setdefault(group, Counter())[status] += 1
        return out
