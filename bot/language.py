"""Which language a message is in, and which language to answer in: the whole decision lives here.

Two steps, one entry point each:

1. :func:`detect` (run by the NLU pipeline, so once per message; the result travels to the actions
   as `detected_language` in the parse data): what the message alone says. It uses
   - the project's own classifier (:mod:`bot.nlu.language_id`, char n-grams trained on the
     training questions of every language: good at short, diacritic-free, mixed messages), with a
     sixth class for sentences in twenty other languages, so a Portuguese or Czech question is
     *unsupported* instead of forced into Spanish; and a script check for Thai, Arabic, Cyrillic;
   - lingua (the languages we speak plus "decoys": German, Portuguese, Czech... minus any of them
     the assistant speaks), to name an unsupported language, and alone when a model was trained
     without the classifier;
   after removing Dutch official terms and organisation names (`locales/terms.yml`), which say
   nothing about the writer's language ("czy potrzebuję zorgverzekering", "ce este CoMensha").
2. :func:`decide` (run by the dialogue): the language to answer in, from the detection, the
   conversation so far, an explicit request and the channel's hint. It never blocks an answer:
   an unsure first message is answered in the best guess, with the language buttons under it.

The thresholds come from measurement: docs/nlu-evaluation.md ("Language").
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Optional

from bot.config import LANGUAGES
from bot.nlu.language_id import OTHER
from bot.paths import LOCALES
from bot.text import fold, squeeze

if TYPE_CHECKING:
    from bot.nlu.language_id import LanguageId

# Languages recognised only to say "I don't speak this one" (lingua's ISO 639-1 codes). One the
# assistant speaks (locales/<lang>/language.yml) is dropped: see decoys().
DECOYS: tuple[str, ...] = ("de", "fr", "it", "pt", "tr", "ru", "uk", "bg", "hu", "cs", "sk", "ar", "th")

# Thresholds, measured on the round-1 first messages (docs/nlu-evaluation.md, "Language").
SURE_CONFIDENCE = 0.6         # classifier probability for a message of 2+ words to be sure
SINGLE_WORD_CONFIDENCE = 0.8  # one word must be nearly unambiguous to be sure
GUESS_CONFIDENCE = 0.35       # below this a one-word message has no language signal at all ("ok")
OTHER_CONFIDENCE = 0.5        # the classifier's "other" class, in a message of 2+ words
OTHER_MIN_WORDS = 2
UNSUPPORTED_CONFIDENCE = 0.5  # without the classifier: lingua's score for a decoy, 3+ words
UNSUPPORTED_MIN_WORDS = 3
SWITCH_MIN_WORDS = 3          # fewer words never switch an established language
# Switching costs more than starting: on the round-2 sets, every wrong switch in a conversation
# ("dear sir/madam" -> es, "test chlamidia si gonoree la ggd" -> es) was below this, and 0-1% of
# real sentences (docs/nlu-evaluation.md, "Language"). A button or "English please" always switches.
SWITCH_CONFIDENCE = 0.8
# A clause of a mixed message ("i got an eviction letter, ce fac acum?") counts for its language
# when it has 2+ words of the writer's own and the classifier is this sure of it alone. On rounds
# 33-38 the clauses in the writer's language scored 0.98 or more; the misread ones ("mam 19 lat" ->
# ro, "tax en btw" -> es) 0.80 or less (docs/nlu-evaluation.md, "Language").
CLAUSE_MIN_WORDS = 2
CLAUSE_CONFIDENCE = 0.9
_CLAUSE = re.compile(r"[,.;:!?¿¡\n]+|\s[-–—]\s")

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
TERMS_FILE = LOCALES / "terms.yml"


@dataclass(frozen=True)
class Detection:
    """What the detector could tell from one message on its own."""

    language: Optional[str]     # a supported language we are sure of, or None
    confidence: float           # combined score of `language` / `guess`
    words: int                  # number of the writer's own words (2+ letters, no terms or names)
    guess: Optional[str] = None     # best supported language, when there is any signal
    unsupported: Optional[str] = None  # a clearly detected other language (ISO 639-1)
    parts: tuple[str, ...] = ()   # languages some clause of a mixed message is surely in

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "confidence": round(self.confidence, 3),
            "words": self.words,
            "guess": self.guess,
            "unsupported": self.unsupported,
            "parts": list(self.parts),
        }

    @classmethod
    def from_dict(cls, data: Optional[dict]) -> "Detection":
        """Rebuild from parse data; anything malformed counts as 'nothing detected'."""
        if not isinstance(data, dict):
            return UNKNOWN
        lang, guess, unsupported = data.get("language"), data.get("guess"), data.get("unsupported")
        parts = data.get("parts")
        try:
            return cls(
                language=lang if lang in LANGUAGES else None,
                confidence=float(data.get("confidence") or 0.0),
                words=int(data.get("words") or 0),
                guess=guess if guess in LANGUAGES else None,
                unsupported=unsupported if isinstance(unsupported, str) else None,
                parts=tuple(p for p in parts if p in LANGUAGES) if isinstance(parts, list) else (),
            )
        except (TypeError, ValueError):
            return UNKNOWN


UNKNOWN = Detection(language=None, confidence=0.0, words=0)


@functools.lru_cache(maxsize=1)
def _lingua_codes() -> tuple[dict[str, str], tuple[str, ...]]:
    """lingua's code -> ours, for each language we speak (`lingua` in its language.yml); and the
    decoys that are not one of them."""
    from bot.languages import settings

    found = settings()
    spoken = {found[code].lingua: code for code in LANGUAGES if code in found}
    return spoken, tuple(code for code in DECOYS if code not in spoken and code not in LANGUAGES)


def decoys() -> tuple[str, ...]:
    """The languages lingua names only to say "I don't speak this one"."""
    return _lingua_codes()[1]


@functools.lru_cache(maxsize=1)
def _lingua():
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    spoken, others = _lingua_codes()
    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
        for code in (*spoken, *others)
    ]
    # low-accuracy mode (trigrams only): ~50 MB and 0.2 ms a message, and as good as the full models
    # at telling a clear Portuguese or Czech sentence (measured: docs/nlu-evaluation.md)
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode() \
        .with_preloaded_language_models().build()


@functools.lru_cache(maxsize=1)
def _terms_file() -> dict:
    import yaml

    return yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8")) or {}


@functools.lru_cache(maxsize=1)
def _terms() -> tuple[frozenset, tuple]:
    data = _terms_file()
    words = [*(data.get("terms") or []), *(data.get("names") or [])]
    return (frozenset(fold(str(t)) for t in words),
            tuple(fold(str(s)) for s in data.get("suffixes") or []))


@functools.lru_cache(maxsize=1)
def _everywhere() -> frozenset:
    return frozenset(squeeze(fold(str(w))) for w in _terms_file().get("everywhere") or [])


@functools.lru_cache(maxsize=1)
def _no_signal() -> frozenset:
    return frozenset(squeeze(fold(str(w))) for w in _terms_file().get("no_signal") or [])


def _only_words_of(text: str, vocabulary: frozenset) -> bool:
    """Every word is in `vocabulary` (squeezed: "heyyy" is "hey", "okkk" is "ok")."""
    found = [squeeze(fold(w)) for w in _WORD.findall(text)]
    return bool(found) and all(w in vocabulary for w in found)


def says_nothing(text: str) -> bool:
    """Only words that tell no language at all ("ok", "okay"): not even a guess."""
    return _only_words_of(text, _no_signal())


def said_in_every_language(text: str) -> bool:
    """Only words every language uses ("hi", "hallo", "ok"): a guess at most, never sure."""
    return _only_words_of(text, _everywhere())


def is_dutch_term(word: str) -> bool:
    """A Dutch official term or an organisation name (both say nothing about the writer)."""
    terms, suffixes = _terms()
    folded = fold(word)
    return folded in terms or folded.endswith(suffixes)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def without_dutch_terms(text: str) -> str:
    """The message without Dutch official terms and organisation names."""
    return _WORD.sub(lambda m: " " if is_dutch_term(m.group(0)) else m.group(0), text)


def _mostly_other_script(text: str) -> bool:
    """True when most letters are not Latin (Thai, Arabic, Cyrillic...): none of our languages."""
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum("LATIN" in unicodedata.name(ch, "") for ch in letters)
    return bool(letters) and latin < len(letters) / 2


def _lingua_scores(text: str) -> dict[str, float]:
    """lingua's score per language: ours by our code, the decoys by their ISO 639-1 code."""
    spoken = _lingua_codes()[0]
    scores = {}
    for value in _lingua().compute_language_confidence_values(text):
        code = value.language.iso_code_639_1.name.lower()
        scores[spoken.get(code, code)] = value.value
    return scores


def _name_of_other(text: str) -> str:
    """lingua's name for a language we do not speak ("und" when it names one we speak)."""
    scores = _lingua_scores(text)
    decoy = max(decoys(), key=lambda code: scores.get(code, 0.0), default="und")
    return decoy if scores.get(decoy, 0.0) > 0 else "und"


def _unsupported_by_lingua(scores: Mapping[str, float], words: int) -> Optional[str]:
    """Without the classifier: a decoy language lingua is sure of, in a real sentence."""
    decoy = max(decoys(), key=lambda code: scores.get(code, 0.0), default="und")
    if words >= UNSUPPORTED_MIN_WORDS and scores.get(decoy, 0.0) >= UNSUPPORTED_CONFIDENCE:
        return decoy
    return None


def _scores(text: str, words: int, classifier: Optional["LanguageId"]) -> tuple[dict[str, float], Optional[str]]:
    """A score per supported language, and the unsupported language if the message is in one: from
    the classifier, or from lingua when a model was trained without it."""
    if classifier is not None:
        scores = classifier.probabilities(text)
        other = scores.pop(OTHER, 0.0)
        if other >= OTHER_CONFIDENCE and words >= OTHER_MIN_WORDS:
            return scores, _name_of_other(text)
        # which of the five, for a message that is not another language ("ola", "servus" are also
        # Portuguese and German, but alone they do not make a Portuguese or German sentence)
        return _among_the_five(scores), None
    lingua = _lingua_scores(text)
    mass = sum(lingua.get(code, 0.0) for code in LANGUAGES)
    scores = {code: (lingua.get(code, 0.0) / mass if mass else 0.0) for code in LANGUAGES}
    return scores, _unsupported_by_lingua(lingua, words)


def _among_the_five(scores: dict[str, float]) -> dict[str, float]:
    """The classifier's probabilities of the supported languages, without "other", summing to 1."""
    five = {code: value for code, value in scores.items() if code != OTHER}
    mass = sum(five.values()) or 1.0
    return {code: value / mass for code, value in five.items()}


def _clauses(own: str) -> list[str]:
    """The clauses of a message that could tell their own language."""
    return [c for c in _CLAUSE.split(own) if count_words(c) >= CLAUSE_MIN_WORDS and not said_in_every_language(c)]


def _clause_languages(own: str, classifier: Optional["LanguageId"]) -> tuple[str, ...]:
    """The languages some clause of a mixed message is surely written in: users often add a clause
    in their own language to a sentence in another ("will the new law change anything? pracuje w
    oknie"). Needs the classifier; one batched call, and only for messages of two clauses or more."""
    clauses = _clauses(own)
    if classifier is None or len(clauses) < 2:
        return ()
    found = set()
    for scores in map(_among_the_five, classifier.probabilities_of(clauses)):
        top = max(scores, key=scores.__getitem__)
        if scores[top] >= CLAUSE_CONFIDENCE:
            found.add(top)
    return tuple(sorted(found))


def detect(text: str, classifier: Optional["LanguageId"] = None) -> Detection:
    """Detect the language of one message, saying 'unsure' rather than guessing wrong.

    A message made only of Dutch terms and names is unsure, with Dutch as the guess; so is one made
    only of words every language uses ("hi", "hallo"), with the classifier's guess; one made only of
    words that tell no language ("ok") has no guess at all, whatever the classifier learnt.
    """
    if count_words(text) == 0:
        return UNKNOWN
    own = without_dutch_terms(text)
    words = count_words(own)
    if words == 0:
        return Detection(None, 0.0, 0, guess="nl")
    if says_nothing(own):
        return Detection(None, 0.0, words)
    if _mostly_other_script(own):
        top = max(_lingua_scores(own).items(), key=lambda item: item[1], default=("und", 0.0))[0]
        return Detection(None, 0.0, words, unsupported=top if top not in LANGUAGES else "und")
    scores, unsupported = _scores(own, words, classifier)
    guess = max(scores, key=scores.__getitem__)
    confidence = scores[guess]
    if unsupported:
        return Detection(None, 0.0, words, unsupported=unsupported)
    if words == 1 and confidence < GUESS_CONFIDENCE:
        return Detection(None, confidence, words)
    needed = SINGLE_WORD_CONFIDENCE if words == 1 else SURE_CONFIDENCE
    sure = confidence >= needed and not said_in_every_language(own)
    return Detection(guess if sure else None, confidence, words, guess=guess,
                     parts=_clause_languages(own, classifier))


def detect_all(texts: list[str], classifier: Optional["LanguageId"] = None) -> list[Detection]:
    """`detect` of many messages (training data), with every classifier call made in one batch:
    the same detections, in seconds rather than a minute."""
    if classifier is not None:
        owns = [without_dutch_terms(text) for text in texts]
        clauses = [clause for own in owns for clause in _clauses(own)]
        classifier = classifier.primed(owns + clauses)
    return [detect(text, classifier) for text in texts]


# --------------------------------------------------------------------------------- decision

@dataclass(frozen=True)
class Decision:
    """The language of this turn's reply, and how sure the assistant is of it."""

    language: Optional[str]           # answer in this language; None: ask (no signal at all)
    sure: bool = True                 # False: a best guess, offer the language buttons
    requested: Optional[str] = None   # the user asked for this language explicitly
    unsupported: Optional[str] = None  # a clear other language: say which five we speak


def requested_language(text: str, language_words: Mapping[str, Mapping[str, list]]) -> Optional[str]:
    """The language a message names ("English please", "po polsku"), if exactly one.

    `language_words`: per interface language, the words for each language (ui.yml)."""
    padded = " " + " ".join(re.findall(r"\w+", text.lower())) + " "
    found = {lang for words in language_words.values() for lang, names in words.items()
             if any(f" {str(name).lower()} " in padded for name in names)}
    return found.pop() if len(found) == 1 else None


SHORT_REQUEST_WORDS = 3   # "polski", "English pls": a request may be this short


def decide(detection: Detection, current: Optional[str] = None, text: str = "",
           language_words: Optional[Mapping[str, Mapping[str, list]]] = None,
           entity: Optional[str] = None, asks_for_language: bool = False, is_payload: bool = False,
           channel_hint: Optional[str] = None, channel_guess: Optional[str] = None) -> Decision:
    """The language to answer in, from strongest to weakest signal.

    1. An explicit request (a language button, or naming a language in a short message or when
       asking to change it: "English please") always wins.
    2. A clear sentence in another language gets "I speak these five" (in the conversation's
       language, if there is one).
    3. In a conversation: a confident detection of a real sentence (3+ words) switches the language,
       unless a clause of it is surely in the conversation's language ("i got an eviction letter,
       ce fac acum?" keeps Romanian) and it does not name the language it is written in ("what is
       the Wrs, wytlumacz po polsku" switches to Polish); anything else ("ok", "112",
       "zorgverzekering?") keeps it.
    4. A new conversation: a sure detection; then the channel's hint (Telegram's language_code);
       then, for a message with words, the channel's guess (the country of a WhatsApp sender's
       number: "hi" from a Polish number); then the best guess; a guess comes with the language
       buttons under the answer; only a message with no signal at all gets the language choice
       alone.
    """
    if entity in LANGUAGES:
        return Decision(entity, requested=entity)
    if not is_payload and language_words and (asks_for_language or count_words(text) <= SHORT_REQUEST_WORDS):
        named = requested_language(text, language_words)
        if named:
            return Decision(named, requested=named)
    known = current if current in LANGUAGES else None
    if detection.unsupported:
        hint = channel_hint if channel_hint in LANGUAGES else None
        return Decision(known or hint, unsupported=detection.unsupported)
    if known:
        if (detection.language and detection.words >= SWITCH_MIN_WORDS
                and detection.confidence >= SWITCH_CONFIDENCE
                and (known not in detection.parts
                     or requested_language(text, language_words or {}) == detection.language)):
            return Decision(detection.language)
        return Decision(known)
    if detection.language:
        return Decision(detection.language)
    if channel_hint in LANGUAGES:
        return Decision(channel_hint)
    if channel_guess in LANGUAGES and detection.words:
        return Decision(channel_guess, sure=False)
    if detection.guess:
        return Decision(detection.guess, sure=False)
    return Decision(None, sure=False)
