"""Which language a message is in, and which language the conversation continues in.

Detection uses lingua, built for the five languages plus a few "decoy" languages that people in
the Netherlands also write (German, French, ...). The decoys exist only so that a message in such a
language is recognised as *unsupported* instead of being forced into Dutch or Spanish.

Short messages ("ok", "hi", "112") are ambiguous: they never switch an established conversation
language. See :func:`conversation_language` for the whole rule.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Optional

from bot.config import LANGUAGES
from bot.paths import LOCALES
from bot.safety import fold

# Languages recognised only to say "I don't speak this one".
DECOYS: tuple[str, ...] = ("de", "fr", "it", "pt", "tr", "ru", "uk", "bg", "hu", "cs", "ar")

# Thresholds, tuned on the held-out questions (see docs/nlu-evaluation.md).
MIN_CONFIDENCE = 0.5          # share of the five supported languages' probability mass
SINGLE_WORD_CONFIDENCE = 0.9  # one word must be nearly unambiguous
UNSUPPORTED_CONFIDENCE = 0.8  # a decoy must win clearly, in a message of 3+ words
SWITCH_MIN_WORDS = 3          # fewer words never switch an established language

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
TERMS_FILE = LOCALES / "terms.yml"


@dataclass(frozen=True)
class Detection:
    """What the detector could tell from one message on its own."""

    language: Optional[str]     # a supported language, or None when unclear
    confidence: float           # share of the supported probability mass for `language`/guess
    words: int                  # number of words (2+ letters)
    guess: Optional[str] = None     # best supported language even when unclear
    unsupported: Optional[str] = None  # a clearly detected other language (ISO 639-1)

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "confidence": round(self.confidence, 3),
            "words": self.words,
            "guess": self.guess,
            "unsupported": self.unsupported,
        }

    @classmethod
    def from_dict(cls, data: Optional[dict]) -> "Detection":
        """Rebuild from parse data; anything malformed counts as 'nothing detected'."""
        if not isinstance(data, dict):
            return UNKNOWN
        lang = data.get("language")
        guess = data.get("guess")
        unsupported = data.get("unsupported")
        try:
            return cls(
                language=lang if lang in LANGUAGES else None,
                confidence=float(data.get("confidence") or 0.0),
                words=int(data.get("words") or 0),
                guess=guess if guess in LANGUAGES else None,
                unsupported=unsupported if isinstance(unsupported, str) else None,
            )
        except (TypeError, ValueError):
            return UNKNOWN


UNKNOWN = Detection(language=None, confidence=0.0, words=0)


@functools.lru_cache(maxsize=1)
def _lingua():
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
        for code in LANGUAGES + DECOYS
    ]
    return LanguageDetectorBuilder.from_languages(*languages).build()


@functools.lru_cache(maxsize=1)
def _terms() -> tuple[frozenset, tuple]:
    import yaml

    data = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8")) or {}
    return (frozenset(fold(str(t)) for t in data.get("terms") or []),
            tuple(fold(str(s)) for s in data.get("suffixes") or []))


def is_dutch_term(word: str) -> bool:
    terms, suffixes = _terms()
    folded = fold(word)
    return folded in terms or folded.endswith(suffixes)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def without_dutch_terms(text: str) -> str:
    """The message without Dutch official terms, which say nothing about the writer's language."""
    return _WORD.sub(lambda m: " " if is_dutch_term(m.group(0)) else m.group(0), text)


def detect(text: str) -> Detection:
    """Detect the language of one message, saying 'unclear' rather than guessing.

    Dutch official terms are ignored; a message made only of them is unclear (guess: Dutch).
    """
    if count_words(text) == 0:
        return UNKNOWN
    own_words = without_dutch_terms(text)
    words = count_words(own_words)
    if words == 0:
        return Detection(None, 0.0, 0, guess="nl")
    values = _lingua().compute_language_confidence_values(own_words)
    scores = {v.language.iso_code_639_1.name.lower(): v.value for v in values}
    supported_mass = sum(scores.get(code, 0.0) for code in LANGUAGES)
    top = max(scores, key=scores.get)
    if top not in LANGUAGES and words >= 3 and scores[top] >= UNSUPPORTED_CONFIDENCE:
        return Detection(None, 0.0, words, unsupported=top)
    if supported_mass <= 0:
        return Detection(None, 0.0, words)
    guess = max(LANGUAGES, key=lambda code: scores.get(code, 0.0))
    share = scores.get(guess, 0.0) / supported_mass
    needed = SINGLE_WORD_CONFIDENCE if words == 1 else MIN_CONFIDENCE
    language = guess if share >= needed else None
    return Detection(language, share, words, guess=guess)


def conversation_language(
    current: Optional[str],
    detection: Detection,
    requested: Optional[str] = None,
    channel_hint: Optional[str] = None,
) -> Optional[str]:
    """The language to answer in, from strongest to weakest signal.

    1. An explicit request ("English please", a language button) always wins.
    2. A clearly detected language of a real sentence (3+ words) switches the conversation.
    3. Otherwise the conversation keeps its language ("ok", "112", "zorgverzekering?").
    4. A new conversation takes a clear detection even of a short message, then the channel's hint
       (Telegram's language_code), and else stays unknown: the caller then offers a choice.
    """
    if requested in LANGUAGES:
        return requested
    if current in LANGUAGES:
        if detection.language and detection.words >= SWITCH_MIN_WORDS:
            return detection.language
        return current
    if detection.language:
        return detection.language
    if channel_hint in LANGUAGES:
        return channel_hint
    return None
