"""Curated phrase lists that catch danger, crisis, sexual violence and exploitation even when the
NLU model misses them.

The lists are content (`locales/<lang>/safety.yml`), reviewed like answers. Matching rules, also
documented for editors in docs/content-schema.md:

- case, accents and punctuation are ignored ("Ajutați-mă!" matches "ajutati ma"), and so are
  repeated letters ("helppp", "socorroo" match "help", "socorro");
- a phrase matches when its words stand in this order anywhere in the message;
- a word ending in `*` matches any ending, a lone `*` matches exactly one word, and `..` matches
  up to :data:`GAP_WORDS` words ("took .. passport" matches "he took my passport" and "they have
  taken away my passport");
- a word of at least :data:`TYPO_MIN_LETTERS` letters also matches with one typo ("pasport",
  "suicdie"): one letter more, less, changed, or two letters swapped;
- a phrase of ONE word is a cry ("help", "ajutor", "pomocy"): it counts only in a short message
  (at most :data:`CRY_MAX_WORDS` words), so "I need help with my taxes" is no alarm;
- `not_<category>` phrases (questions *about* violence, a past event, "kill time") cancel that
  category's match in the same message.

Every language's lists apply to every message: someone may cry for help in another language.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from bot.text import tokens, words

CRY_MAX_WORDS = 4
GAP_WORDS = 3
TYPO_MIN_LETTERS = 6
GAP = ".."
_BUCKET = 3   # a `stem*` is looked up by (up to) this many first letters
#: The categories in the order their answers are shown, each with the answer it puts first.
CATEGORIES: dict[str, str] = {
    "danger": "emergency",
    "crisis": "crisis_suicide",
    "sexual_violence": "report_sexual_violence",
    "trafficking": "report_trafficking",
}
LIST_KEYS: tuple[str, ...] = tuple(CATEGORIES) + tuple(f"not_{c}" for c in CATEGORIES)


def _one_typo(a: str, b: str) -> bool:
    """True when b is a with one letter inserted, deleted, replaced, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1:]


def _word_matches(part: str, word: str) -> bool:
    if part == "*":
        return True
    if part.endswith("*"):
        stem = part[:-1]
        if word.startswith(stem):
            return True
        return len(stem) >= TYPO_MIN_LETTERS and any(
            _one_typo(stem, word[:n]) for n in (len(stem) - 1, len(stem), len(stem) + 1))
    return word == part or (len(part) >= TYPO_MIN_LETTERS and _one_typo(part, word))


def _deletes(word: str) -> set[str]:
    """The word and every form of it with one letter left out: two words within one typo share
    one of these keys (the "symmetric delete" index)."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


class Phrase:
    """One compiled phrase: a sequence of word patterns and gaps."""

    def __init__(self, source: str):
        self.source = source
        parts = tokens(source)
        while parts and parts[0] == GAP:   # a gap at either end means nothing
            parts.pop(0)
        while parts and parts[-1] == GAP:
            parts.pop()
        self.parts = parts

    @property
    def is_cry(self) -> bool:
        return len(self.parts) == 1

    def matches_at(self, message: list[str], start: int) -> bool:
        if not self.parts or (self.is_cry and len(message) > CRY_MAX_WORDS):
            return False
        return self._match(message, start, 0)

    def _match(self, message: list[str], pos: int, part: int) -> bool:
        if part == len(self.parts):
            return True
        pattern = self.parts[part]
        if pattern == GAP:
            return any(self._match(message, pos + skip, part + 1)
                       for skip in range(0, GAP_WORDS + 1) if pos + skip <= len(message))
        if pos >= len(message) or not _word_matches(pattern, message[pos]):
            return False
        return self._match(message, pos + 1, part + 1)


class PhraseList:
    """Phrases indexed by their first word, so a message is checked in time proportional to its
    length, not to the (long, reviewed) list. A long first word is also indexed under its
    one-letter-less forms (typos), a `stem*` under its first letters."""

    def __init__(self, sources: Iterable[str]):
        self.by_word: dict[str, list[Phrase]] = {}
        self.by_prefix: dict[str, list[Phrase]] = {}
        self.any_first: list[Phrase] = []
        for source in sources:
            phrase = Phrase(source)
            if not phrase.parts:
                continue
            first = phrase.parts[0]
            if first == "*":
                self.any_first.append(phrase)
            elif first.endswith("*"):
                self.by_prefix.setdefault(first[:-1][:_BUCKET], []).append(phrase)
            else:
                keys = _deletes(first) if len(first) >= TYPO_MIN_LETTERS else {first}
                for key in keys:
                    self.by_word.setdefault(key, []).append(phrase)

    def _candidates(self, word: str) -> list[Phrase]:
        found: list[Phrase] = list(self.any_first)
        for key in (_deletes(word) if len(word) >= TYPO_MIN_LETTERS - 1 else (word,)):
            found += self.by_word.get(key, ())
        for size in range(1, _BUCKET + 1):
            found += self.by_prefix.get(word[:size], ())
        return found

    def match(self, message: list[str]) -> Optional[str]:
        """The first phrase (its source text) that matches the message, or None."""
        for start, word in enumerate(message):
            for phrase in self._candidates(word):
                if phrase.matches_at(message, start):
                    return phrase.source
        return None

    def matches(self, message: list[str]) -> bool:
        return self.match(message) is not None


@dataclass(frozen=True)
class Assessment:
    categories: tuple[str, ...] = ()   # matched categories, in CATEGORIES order
    language: Optional[str] = None     # the language whose list matched first
    cancelled: tuple[str, ...] = ()    # categories a not_<category> phrase cancelled

    @property
    def any(self) -> bool:
        return bool(self.categories)

    @property
    def answers(self) -> list[str]:
        """The answers to show first, in order."""
        return [CATEGORIES[c] for c in self.categories]

    @property
    def danger(self) -> bool:
        return "danger" in self.categories

    @property
    def crisis(self) -> bool:
        return "crisis" in self.categories

    @property
    def sexual_violence(self) -> bool:
        return "sexual_violence" in self.categories

    @property
    def trafficking(self) -> bool:
        return "trafficking" in self.categories

    @property
    def about_violence(self) -> bool:
        """A question about violence or a past event: a model-only emergency needs a second look."""
        return "danger" in self.cancelled


class SafetyMatcher:
    """All languages' lists, compiled once per knowledge version."""

    def __init__(self, lists: dict[str, dict[str, list[str]]]):
        self.lists = {
            lang: {kind: PhraseList(phrases) for kind, phrases in kinds.items()}
            for lang, kinds in lists.items()
        }

    def _first(self, kind: str, message: list[str], order: list[str]) -> Optional[str]:
        for lang in order:
            phrases = self.lists[lang].get(kind)
            if phrases is not None and phrases.matches(message):
                return lang
        return None

    def assess(self, text: str, prefer: Optional[str] = None) -> Assessment:
        message = words(text)
        if not message:
            return Assessment()
        order = sorted(self.lists, key=lambda lang: lang != prefer)
        found, cancelled, language = [], [], None
        for category in CATEGORIES:
            lang = self._first(category, message, order)
            if lang is None:
                continue
            if self._first(f"not_{category}", message, order) is not None:
                cancelled.append(category)
                continue
            found.append(category)
            language = language or lang
        if "danger" not in cancelled and "danger" not in found and self._first("not_danger", message, order):
            cancelled.append("danger")   # a question about violence, even without a danger phrase
        return Assessment(tuple(found), language, tuple(cancelled))

    def explain(self, text: str) -> dict[str, tuple[str, str]]:
        """{list: (language, phrase)} for every list that matches: for editors and tuning."""
        message = words(text)
        out = {}
        for lang, kinds in self.lists.items():
            for kind, phrases in kinds.items():
                source = phrases.match(message)
                if source is not None and kind not in out:
                    out[kind] = (lang, source)
        return out
