"""Curated phrase lists that catch danger and exploitation even when the NLU model misses them.

The lists are content (`locales/<lang>/safety.yml`), reviewed like answers. Matching rules, also
documented for editors in docs/content-schema.md:

- case, accents and punctuation are ignored ("Ajutați-mă!" matches "ajutati ma"), and so are
  repeated letters ("helppp", "socorroo" and "auxilio" match "help", "socorro", "auxilio");
- a phrase matches when its words stand next to each other, in order, anywhere in the message;
- a word ending in `*` matches any ending, a lone `*` matches exactly one word;
- a phrase of ONE word is a cry ("help", "ajutor", "pomocy"): it counts only in a short message
  (at most :data:`CRY_MAX_WORDS` words), so "I need help with my taxes" is no alarm;
- a `not_danger` phrase (a question *about* violence, a past event) cancels a danger match.

Every language's lists apply to every message: someone may cry for help in another language.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

CRY_MAX_WORDS = 4
_BUCKET = 3   # prefix phrases are looked up by up to this many first letters
_EXTRA_FOLD = str.maketrans({"ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "đ": "d", "ı": "i"})
_TOKEN = re.compile(r"[\w*]+", re.UNICODE)


def fold(text: str) -> str:
    """Lowercase, without accents (ș, ş and s are one letter here)."""
    text = text.lower().translate(_EXTRA_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_REPEATS = re.compile(r"([^\W\d_])\1+")


def squeeze(word: str) -> str:
    """One letter for a run of the same letter: "helppp" -> "help", "socorro" -> "socoro".
    Digits stay as they are ("112")."""
    return _REPEATS.sub(r"\1", word)


def words(text: str) -> list[str]:
    return [squeeze(w) for w in _TOKEN.findall(fold(text).replace("_", " ")) if w != "*"] if text else []


class Phrase:
    """One compiled phrase: a sequence of word patterns."""

    def __init__(self, source: str):
        self.source = source
        self.parts = [squeeze(p) for p in _TOKEN.findall(fold(source))]

    @staticmethod
    def _word_matches(part: str, word: str) -> bool:
        if part == "*":
            return True
        if part.endswith("*"):
            return word.startswith(part[:-1])
        return word == part

    def matches_at(self, message: list[str], start: int) -> bool:
        n = len(self.parts)
        if n == 0 or start + n > len(message) or (n == 1 and len(message) > CRY_MAX_WORDS):
            return False
        return all(self._word_matches(p, message[start + i]) for i, p in enumerate(self.parts))


class PhraseList:
    """Phrases indexed by their first word, so a message is checked in time proportional to its
    length, not to the (long, reviewed) list: lists of several hundred phrases per language."""

    def __init__(self, sources: list[str]):
        self.by_word: dict[str, list[Phrase]] = {}
        self.by_prefix: dict[str, list[tuple[str, Phrase]]] = {}   # keyed by the prefix's first letters
        self.any_first: list[Phrase] = []
        for source in sources:
            phrase = Phrase(source)
            if not phrase.parts:
                continue
            first = phrase.parts[0]
            if first == "*":
                self.any_first.append(phrase)
            elif first.endswith("*"):
                prefix = first[:-1]
                self.by_prefix.setdefault(prefix[:_BUCKET], []).append((prefix, phrase))
            else:
                self.by_word.setdefault(first, []).append(phrase)

    def matches(self, message: list[str]) -> bool:
        for start, word in enumerate(message):
            candidates = list(self.by_word.get(word, ()))
            for size in range(1, _BUCKET + 1):
                candidates += [p for prefix, p in self.by_prefix.get(word[:size], ()) if word.startswith(prefix)]
            if any(p.matches_at(message, start) for p in candidates + self.any_first):
                return True
        return False


@dataclass(frozen=True)
class Assessment:
    danger: bool = False
    trafficking: bool = False
    language: Optional[str] = None   # the language whose list matched first
    about_violence: bool = False     # a not_danger phrase matched: a question or a past event

    @property
    def any(self) -> bool:
        return self.danger or self.trafficking


class SafetyMatcher:
    """All languages' lists, compiled once per knowledge version."""

    def __init__(self, lists: dict[str, dict[str, list[str]]]):
        self.lists = {
            lang: {kind: PhraseList(phrases) for kind, phrases in kinds.items()}
            for lang, kinds in lists.items()
        }

    def _first(self, kind: str, message: list[str], prefer: Optional[str]) -> Optional[str]:
        order = sorted(self.lists, key=lambda lang: lang != prefer)
        for lang in order:
            phrases = self.lists[lang].get(kind)
            if phrases is not None and phrases.matches(message):
                return lang
        return None

    def assess(self, text: str, prefer: Optional[str] = None) -> Assessment:
        message = words(text)
        if not message:
            return Assessment()
        about_violence = self._first("not_danger", message, prefer) is not None
        danger_lang = None if about_violence else self._first("danger", message, prefer)
        trafficking_lang = self._first("trafficking", message, prefer)
        return Assessment(
            danger=danger_lang is not None,
            trafficking=trafficking_lang is not None,
            language=danger_lang or trafficking_lang,
            about_violence=about_violence,
        )
