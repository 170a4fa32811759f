"""A language classifier trained on the project's own examples (`data/nlu/<lang>/`).

lingua alone is not enough for what users send here: short, diacritic-free, mixed messages full of
Dutch terms and organisation names. About 10,000 training questions of known language, in exactly
this domain, are a better signal: a character 1-4-gram logistic regression over them. A sixth
class, "other", learns from sentences in twenty languages the assistant does not speak
(`data/other_languages.txt`), so a Portuguese or Czech question is recognised as such instead of
being placed in the nearest of the five (:func:`bot.language.detect`).

Trained together with the NLU model (by :class:`bot.nlu.tokenizer.LanguageAwareTokenizer`) and
stored inside it; training takes a few seconds, a prediction well under a millisecond.
"""
from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Iterable, Optional

import yaml

from bot.text import fold

MODEL_FILE = "language_id.pkl"
_NOT_LETTERS = re.compile(r"[\W\d_]+", re.UNICODE)


def letters(text: str) -> str:
    """Lowercase words only: "Hallo?!" and "hallo" are one greeting to this classifier."""
    return _NOT_LETTERS.sub(" ", text.lower()).strip()
OTHER = "other"   # the class of every language the assistant does not speak


def other_examples(path: Path, spoken: Optional[Iterable[str]] = None) -> list[tuple[str, str]]:
    """(text, "other") for each `code<TAB>sentence` line of data/other_languages.txt, except the
    lines of a language the assistant speaks (`spoken`, default: every language of the configured
    locales, by its code and its lingua code): once German is added, German is no "other"."""
    if not path.is_file():
        return []
    if spoken is None:
        from bot.languages import settings

        spoken = {code for language in settings().values() for code in (language.code, language.lingua)}
    skip = set(spoken)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(line.split("\t", 1)[1].strip(), OTHER) for line in lines
            if line.strip() and not line.startswith("#") and "\t" in line and line.split("\t", 1)[0].strip() not in skip]


def examples(data: Path, languages: Optional[Iterable[str]] = None) -> list[tuple[str, str]]:
    """(text, language) for every training question under data/nlu/<lang>/ (default: every
    language folder there)."""
    if languages is None:
        languages = sorted(p.name for p in data.iterdir() if p.is_dir())
    pairs = []
    for lang in languages:
        for path in sorted((data / lang).glob("*.yml")):
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in content.get("nlu") or []:
                for line in str(block.get("examples") or "").splitlines():
                    if line.strip().startswith("- "):
                        pairs.append((line.strip()[2:].strip(), lang))
    return pairs


def own_language(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The examples that say something about their language. The training data deliberately has
    the same words in several languages' folders ("hola", "bye", "english please", "zorgverzekering":
    people write them in any language), which teaches the intent; for the language they are noise.
    A text claimed by two of the assistant's languages is left out, and so is one made only of Dutch
    terms and names. A text one of them shares with "other" belongs to that language: "salut" and
    "servus" are Romanian greetings as well as French and German ones, and the five come first."""
    from bot.language import count_words, without_dutch_terms

    keys = [fold(text).strip(" ?!.,") for text, _ in pairs]
    claims: dict[str, set] = {}
    for key, (_, lang) in zip(keys, pairs):
        claims.setdefault(key, set()).add(lang)

    def kept(key: str, text: str, lang: str) -> bool:
        spoken = claims[key] - {OTHER}
        owner = next(iter(spoken)) if len(spoken) == 1 else (OTHER if not spoken else None)
        return lang == owner and count_words(without_dutch_terms(text)) > 0

    return [(text, lang) for key, (text, lang) in zip(keys, pairs) if kept(key, text, lang)]


class LanguageId:
    """Probabilities of the supported languages for one message (its own words only: the caller
    removes Dutch terms and organisation names first)."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        self.languages: tuple[str, ...] = tuple(pipeline.classes_)

    @classmethod
    def train(cls, pairs: list[tuple[str, str]], seed: int = 42) -> "LanguageId":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        from bot.language import without_dutch_terms

        # what detect() classifies: the writer's own words, without Dutch terms and names; and
        # every question also without diacritics, as many users type
        pairs = [(without_dutch_terms(text), lang) for text, lang in own_language(pairs)]
        texts = [t for text, _ in pairs for t in (letters(text), letters(fold(text)))]
        labels = [lang for _, lang in pairs for _ in (0, 1)]
        pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=2, sublinear_tf=True,
                            lowercase=True, dtype="float32"),
            LogisticRegression(C=10.0, max_iter=2000, random_state=seed),
        )
        pipeline.fit(texts, labels)
        return cls(pipeline)

    def probabilities(self, text: str) -> dict[str, float]:
        if not text.strip():
            return {}
        return self.probabilities_of([text])[0]

    def probabilities_of(self, texts: list[str]) -> list[dict[str, float]]:
        """`probabilities` of several texts in one call (the clauses of a mixed message)."""
        rows = self.pipeline.predict_proba([letters(text) for text in texts]) if texts else []
        return [{lang: float(p) for lang, p in zip(self.languages, row)} for row in rows]

    def primed(self, texts: list[str]) -> "LanguageId":
        """This classifier, with the probabilities of `texts` computed in one batched call and
        remembered: training detects about 30,000 messages, and one call per message cost most of
        a minute. The numbers are the same as one text at a time (each row is computed alone)."""
        return _Primed(self.pipeline, texts)

    def save(self, folder: Path) -> None:
        (folder / MODEL_FILE).write_bytes(pickle.dumps(self.pipeline, protocol=pickle.HIGHEST_PROTOCOL))

    @classmethod
    def from_model(cls, model: Path) -> Optional["LanguageId"]:
        """The classifier stored inside a trained Rasa model archive (benchmarks, tests)."""
        from bot.nlu.pickled import from_archive

        pipeline = from_archive(model, MODEL_FILE)
        return cls(pipeline) if pipeline is not None else None

    @classmethod
    def load(cls, folder: Path) -> Optional["LanguageId"]:
        path = folder / MODEL_FILE
        if not path.is_file():
            return None
        return cls(pickle.loads(path.read_bytes()))


class _Primed(LanguageId):
    """A :class:`LanguageId` that answers the texts it was primed with from memory."""

    def __init__(self, pipeline, texts: list[str]) -> None:
        super().__init__(pipeline)
        unique = list(dict.fromkeys(texts))
        self._known = dict(zip(unique, LanguageId.probabilities_of(self, unique)))

    def probabilities_of(self, texts: list[str]) -> list[dict[str, float]]:
        missing = [text for text in texts if text not in self._known]
        fresh = dict(zip(missing, LanguageId.probabilities_of(self, missing)))
        # copies: callers take "other" out of the dict they are given
        return [dict(self._known.get(text) or fresh[text]) for text in texts]
