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
  "suicdie"): one letter more, less, changed, or two letters swapped, after the first letter;
- a phrase of ONE word is a cry ("help", "ajutor", "pomocy"): it counts only in a short message
  (at most :data:`CRY_MAX_WORDS` words), so "I need help with my taxes" is no alarm; so does a
  two-word danger phrase built on a plea of its language (the `pleas` list: "help me", "ayuda
  urgente", "call 112"), in a message of at most one word more, so "can you help me with my
  insurance" is no alarm, while "got stabbed" (no plea) counts in any message; but
  a cry opening or closing a message that discloses sexual violence or exploitation, with no
  calm frame of `not_danger`, is danger ("help, he took my passport"): the emergency answer comes
  first;
- `not_<category>` phrases (questions *about* violence, a past event, "kill time") cancel that
  category's match of the same language in the same message; but a match in a clause of its own
  stands when every clause with a frame of that category has a match of its own for the frame to
  calm ("he is waiting outside, last week he hit me": the past is last week's, not today's; "ik
  hoef niks meer te doen, ik wil dood"); and a danger phrase after words of the `now` list ("but
  now", "dar acum") with no frame after them stands when the frame stands before them ("last year
  he hit me, but now he hits me again").

Every language's lists apply to every message: someone may cry for help in another language.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Callable, Collection, Iterator, Mapping, Optional

from bot.text import tokens, words

CRY_MAX_WORDS = 4
GAP_WORDS = 3
NOW_TAIL_WORDS = 4   # from a `now` phrase to the end: "but now he is here", not "but now ok?"
TYPO_MIN_LETTERS = 6
GAP = ".."
_BUCKET = 3   # a `stem*` is looked up by (up to) this many first letters
_CLAUSE = re.compile(r"[.!?;,\n]+")   # where a clause ends, for calm frames of a past danger
#: The categories in the order their answers are shown, each with the answer it puts first.
CATEGORIES: dict[str, str] = {
    "danger": "emergency",
    "crisis": "crisis_suicide",
    "sexual_violence": "report_sexual_violence",
    "trafficking": "report_trafficking",
}
#: `now`: words that bring a story of the past back to the present ("but now", "dar acum").
#: `pleas`: the words that only ask for help ("help", "sos", "ajutor"), not phrases to match: a
#: two-word danger phrase built on one ("help me") counts only in a short message.
PLEAS = "pleas"
LIST_KEYS: tuple[str, ...] = tuple(CATEGORIES) + tuple(f"not_{c}" for c in CATEGORIES) + ("now", PLEAS)


def _one_typo(a: str, b: str) -> bool:
    """True when b is a with one letter inserted, deleted, replaced, or two neighbours swapped,
    after the first letter (people rarely mistype the first one, and allowing it made "traped"
    match "raped")."""
    if a == b or abs(len(a) - len(b)) > 1 or not a or not b or a[0] != b[0]:
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

    def __init__(self, source: str, pleas: frozenset = frozenset()):
        self.source = source
        parts = tokens(source)
        while parts and parts[0] == GAP:   # a gap at either end means nothing
            parts.pop(0)
        while parts and parts[-1] == GAP:
            parts.pop()
        self.parts = parts
        # words that must stand in the message exactly (short, no wildcard: no typo allowed):
        # most candidate phrases fail on these before any matching is tried
        self.required = frozenset(p for p in parts if p not in ("*", GAP) and not p.endswith("*")
                                  and len(p) < TYPO_MIN_LETTERS)
        # and beginnings of words that must be there (a short `stem*`), and long words that must be
        # there give or take a typo (the word shares a one-letter-less form with a message word)
        self.stems = frozenset(p[:-1] for p in parts if p.endswith("*") and 0 < len(p) - 1 < TYPO_MIN_LETTERS)
        self.long_words = tuple(frozenset(_deletes(p)) for p in parts
                                if not p.endswith("*") and p != GAP and len(p) >= TYPO_MIN_LETTERS)
        # a cry, or two words built on a plea ("help me", not "got stabbed"): only in a short message
        self.max_words: Optional[int] = (
            CRY_MAX_WORDS if len(parts) == 1
            else CRY_MAX_WORDS + 1 if len(parts) == 2 and pleas.intersection(p.rstrip("*") for p in parts)
            else None)

    def possible(self, present: set, beginnings: set, forms: set) -> bool:
        """A cheap test that rules most phrases out before matching."""
        return (self.required <= present and self.stems <= beginnings
                and all(not forms.isdisjoint(long_word) for long_word in self.long_words))

    @property
    def is_cry(self) -> bool:
        return len(self.parts) == 1

    def matches_at(self, message: list[str], start: int) -> bool:
        if not self.parts or (self.max_words is not None and len(message) > self.max_words):
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


Key = tuple[str, str]   # (language, list name)


class PhraseIndex:
    """Every phrase of every list in one index by first word, so a message is checked once, in
    time proportional to its length, not to the (long, reviewed) lists. A long first word is also
    indexed under its one-letter-less forms (typos), a `stem*` under its first letters; a cheap
    test (:meth:`Phrase.possible`) rules most candidates out before they are matched."""

    def __init__(self, lists: dict[str, dict[str, list[str]]]):
        self.by_word: dict[str, list[tuple[Key, Phrase]]] = {}
        self.by_prefix: dict[str, list[tuple[Key, Phrase]]] = {}
        self.any_first: list[tuple[Key, Phrase]] = []
        self.cries: dict[str, list[str]] = {}   # one-word danger phrases per language
        for lang, kinds in lists.items():
            pleas = frozenset(part.rstrip("*") for source in kinds.get(PLEAS) or () for part in tokens(source))
            for kind, sources in kinds.items():
                if kind == PLEAS:
                    continue
                for source in sources:
                    self._add((lang, kind), Phrase(source, pleas if kind == "danger" else frozenset()))

    def _add(self, key: Key, phrase: Phrase) -> None:
        if not phrase.parts:
            return
        if key[1] == "danger" and phrase.is_cry:
            self.cries.setdefault(key[0], []).append(phrase.parts[0])
        first = phrase.parts[0]
        if first == "*":
            self.any_first.append((key, phrase))
        elif first.endswith("*"):
            self.by_prefix.setdefault(first[:-1][:_BUCKET], []).append((key, phrase))
        else:
            for form in (_deletes(first) if len(first) >= TYPO_MIN_LETTERS else {first}):
                self.by_word.setdefault(form, []).append((key, phrase))

    def _candidates(self, word: str) -> list[tuple[Key, Phrase]]:
        found = list(self.any_first)
        for form in (_deletes(word) if len(word) >= TYPO_MIN_LETTERS - 1 else (word,)):
            found += self.by_word.get(form, ())
        for size in range(1, _BUCKET + 1):
            found += self.by_prefix.get(word[:size], ())
        return found

    def _matches(self, message: list[str], wanted: Callable[[Key], bool]) -> Iterator[tuple[int, Key, Phrase]]:
        """(position, list, phrase) of each phrase of a `wanted` list that matches, in message order."""
        present = set(message)
        beginnings = {word[:n] for word in present for n in range(1, TYPO_MIN_LETTERS)}
        forms = {form for word in present if len(word) >= TYPO_MIN_LETTERS - 1 for form in _deletes(word)}
        for start, word in enumerate(message):
            for key, phrase in self._candidates(word):
                if wanted(key) and phrase.possible(present, beginnings, forms) and phrase.matches_at(message, start):
                    yield start, key, phrase

    def hits(self, message: list[str]) -> dict[Key, str]:
        """{(language, list): the first phrase of it that matches} for this message."""
        found: dict[Key, str] = {}
        for _, key, phrase in self._matches(message, lambda key: key not in found):
            found[key] = phrase.source
        return found

    def starts(self, message: list[str], kind: str, languages: Collection[str]) -> list[int]:
        """Where a phrase of these languages' `kind` list begins in the message."""
        return sorted({start for start, _, _ in self._matches(
            message, lambda key: key[1] == kind and key[0] in languages)})

    def cry_in(self, message: list[str]) -> bool:
        """A one-word danger phrase opening or closing the message, whatever its length ("help, he
        took my passport", "ze houden mijn paspoort, help"). Inside a sentence such words are
        rarely a plea: "what can police do at a check", "zonder haar in gevaar te brengen"."""
        ends = {message[0], message[-1]} if message else set()
        return any(_word_matches(cry, word) for cries in self.cries.values() for cry in cries for word in ends)


def model_categories(scores: Mapping[str, float], single: float, any_: float, second: float) -> set[str]:
    """The categories the safety model (bot.nlu.safety_classifier) signals: each one it gives at
    least `single`; and when all four together reach `any_` (clearly a disclosure, but of what?),
    each one it gives at least `second`, so "he found me at the station" gets the trafficking answer
    and 112 rather than nothing. Thresholds: docs/benchmarks.md, safety."""
    found = {c for c in CATEGORIES if scores.get(c, 0.0) >= single}
    if sum(scores.get(c, 0.0) for c in CATEGORIES) >= any_:
        found |= {c for c in CATEGORIES if scores.get(c, 0.0) >= second}
    return found


@dataclass(frozen=True)
class Assessment:
    categories: tuple[str, ...] = ()   # matched categories, in CATEGORIES order
    language: Optional[str] = None     # the language whose list matched first
    cancelled: tuple[str, ...] = ()    # categories a not_<category> phrase cancelled
    framed: tuple[str, ...] = ()       # categories whose not_<category> list matched, in any language

    @property
    def any(self) -> bool:
        return bool(self.categories)

    @property
    def answers(self) -> list[str]:
        """The answers to show first, in order."""
        return [CATEGORIES[c] for c in self.categories]

    def has(self, category: str) -> bool:
        return category in self.categories

    @property
    def about_violence(self) -> bool:
        """A question about violence or a past event: a model-only emergency needs a second look."""
        return "danger" in self.cancelled


class SafetyMatcher:
    """All languages' lists, compiled once per content of the lists (:meth:`of`)."""

    _last: Optional[tuple[str, "SafetyMatcher"]] = None

    def __init__(self, lists: dict[str, dict[str, list[str]]]):
        self.languages = list(lists)
        self.index = PhraseIndex(lists)

    @classmethod
    def of(cls, lists: dict[str, dict[str, list[str]]]) -> "SafetyMatcher":
        """The matcher for these lists, reused while they are unchanged: compiling 30,000 phrases
        takes over a second, and an editor's answer edit must reach users within two."""
        key = hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()
        if cls._last is None or cls._last[0] != key:
            cls._last = (key, cls(lists))
        return cls._last[1]

    def assess(self, text: str, prefer: Optional[str] = None) -> Assessment:
        """A category counts when some language's list matches and that same language's
        `not_<category>` list does not (a Spanish question frame never cancels a Romanian
        disclosure), nor does the list of `prefer`, the message's own language: "is stealthing
        strafbaar?" is a Dutch question even though "stealthing" is in every language's list."""
        message = words(text)
        if not message:
            return Assessment()
        hits = self.index.hits(message)
        clauses: Optional[list[dict[Key, str]]] = None   # only for a framed match: rare, and costly
        order = sorted(self.languages, key=lambda lang: lang != prefer)
        found, cancelled, language = [], [], None
        for category in CATEGORIES:
            matched = [lang for lang in order if (lang, category) in hits]
            standing = []
            for lang in matched:
                calmed = self._framed(hits, lang, category, prefer)
                if calmed:
                    if clauses is None:
                        clauses = [self.index.hits(clause) for clause in self._clauses(text)]
                    calmed = not (self._match_outside_frames(clauses, lang, category, prefer)
                                  or (category == "danger" and self._danger_after_now(message, lang, prefer)))
                if not calmed:
                    standing.append(lang)
            if standing:
                found.append(category)
                language = language or standing[0]
            elif matched:
                cancelled.append(category)
        calm = any(kind == "not_danger" for _, kind in hits)
        if ("danger" not in found + cancelled and not calm and {"sexual_violence", "trafficking"} & set(found)
                and self.index.cry_in(message)):
            found.insert(0, "danger")    # a cry for help with a disclosure: danger now
        if calm and self._past_told_before_now(message, hits, prefer):
            cancelled = [c for c in cancelled if c != "danger"]   # today's story: the models may hear it
        elif "danger" not in found + cancelled and calm:
            cancelled.append("danger")   # a question about violence, even without a danger phrase
        framed = tuple(c for c in CATEGORIES if any(kind == f"not_{c}" for _, kind in hits))
        return Assessment(tuple(found), language, tuple(cancelled), framed)

    @staticmethod
    def _framed(hits: Mapping, lang: str, category: str, prefer: Optional[str]) -> bool:
        """A calm frame of that language, or of the message's own, for this category."""
        frame = f"not_{category}"
        return (lang, frame) in hits or (prefer is not None and (prefer, frame) in hits)

    @classmethod
    def _match_outside_frames(cls, clauses: list[dict[Key, str]], lang: str, category: str,
                              prefer: Optional[str]) -> bool:
        """A match in a clause without a calm frame, while every framed clause calms a match of its
        own: "he is waiting at the corner, last week he already hit me"; "ik hoef niks meer te doen,
        ik wil dood". A frame that stands in no single clause (it spans a comma) still speaks for
        the whole message, and so does one in a clause with nothing of its own to calm ("what if
        someone waits outside? just curious")."""
        framed = [cls._framed(clause, lang, category, prefer) for clause in clauses]
        found = [(lang, category) in clause for clause in clauses]
        return (any(framed) and any(m and not f for m, f in zip(found, framed))
                and all(m for m, f in zip(found, framed) if f))

    def _danger_after_now(self, message: list[str], lang: str, prefer: Optional[str]) -> bool:
        """A danger told after words that bring the story back to now (the `now` list), with no calm
        frame of its own, while the frame stands before them: "last year he hit me and I kept quiet,
        but now he hits me again" is today's danger; "last year he hit me, but now I am fine" is not."""
        for before, after in self._around_now(message, {lang} if prefer is None else {lang, prefer}):
            if ((lang, "danger") in after and not self._framed(after, lang, "danger", prefer)
                    and self._framed(before, lang, "danger", prefer)):
                return True
        return False

    def _past_told_before_now(self, message: list[str], hits: Mapping[Key, str], prefer: Optional[str]) -> bool:
        """Every calm frame of danger stands before words that bring the story back to now (the
        `now` list of a frame's language, or of the message's), which open a tail of at least
        `NOW_TAIL_WORDS` words with no frame of its own: "last year I reported him, but now he is
        here kicking my door" is not a question about the past, even when no phrase of the lists
        names what happens now, so the frame no longer silences the safety model."""
        languages = {lang for lang, kind in hits if kind == "not_danger"} | ({prefer} if prefer else set())
        for before, after in self._around_now(message, languages, min_tail=NOW_TAIL_WORDS):
            if (any(kind == "not_danger" for _, kind in before)
                    and not any(kind == "not_danger" for _, kind in after)):
                return True
        return False

    def _around_now(self, message: list[str], languages: Collection[str],
                    min_tail: int = 0) -> Iterator[tuple[dict[Key, str], dict[Key, str]]]:
        """(hits before, hits from) each phrase of these languages' `now` lists that opens a tail of
        at least `min_tail` words."""
        for start in self.index.starts(message, "now", languages):
            if len(message) - start >= min_tail:
                yield self.index.hits(message[:start]), self.index.hits(message[start:])

    @staticmethod
    def _clauses(text: str) -> list[list[str]]:
        """The message's clauses (split at punctuation), when it has more than one."""
        parts = [part for part in (words(piece) for piece in _CLAUSE.split(text)) if part]
        return parts if len(parts) > 1 else []

    def explain(self, text: str) -> dict[str, tuple[str, str]]:
        """{list: (language, phrase)} for every list that matches: for editors and tuning."""
        out: dict[str, tuple[str, str]] = {}
        for (lang, kind), source in self.index.hits(words(text)).items():
            out.setdefault(kind, (lang, source))
        return out
