"""Language-aware tokenisation with `spacy.blank(<lang>)` and spacy-lookups-data lemma tables.

spaCy's trained pipelines are not installable here, so we use what works offline: each language's
rule-based tokenizer plus its lookup lemma tables. Which tokenizer and which tables a language
uses is data: `spacy` and `lemmas` in `locales/<lang>/language.yml` (bot.languages). Polish has no
single lookup table, only tables per part of speech; without a tagger they are merged (nouns
first), a useful approximation.

The full tables are large (Polish alone takes 1.3 GB and 23 s through spaCy's Lookups), so they are
read only while training, and *pruned* to the lemmas that occur in the training data: an unseen
inflection ("policjantom") still maps to a known lemma ("policjant"), and the model keeps a few
hundred kilobytes. Lemmas are lowercased and accent-folded, so "muszę" and "musze" are one feature.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Optional

from bot import languages
from bot.text import fold

#: spaCy's language-neutral tokenizer, for messages whose language is unclear.
NEUTRAL = languages.NEUTRAL_SPACY

Table = Mapping[str, str]


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int
    lemma: str


@functools.cache
def _nlp(lang: str):
    import spacy

    return spacy.blank(lang)


def speaks(lang: Optional[str]) -> bool:
    """A language the assistant speaks (a locales/<lang>/language.yml)."""
    return lang is not None and lang in languages.settings()


def warm_up() -> None:
    """Build every language's spaCy tokenizer now: built on first use, the first message in each
    language after a restart waited a few hundred milliseconds longer (bench.speed's p99)."""
    for code in (*(language.spacy for language in languages.settings().values()), NEUTRAL):
        _nlp(code)


def full_table(lang: str) -> dict[str, str]:
    """The complete lookup table of `lang` (lowercase form -> lemma as written): its `lemmas` tables
    merged, the first table's lemma winning. Training only. A table named in language.yml that is
    not installed is an error, never a silently smaller table (`python -m bot validate` says so too)."""
    import srsly

    language = languages.settings()[lang]
    folder = languages.lookups_folder() or Path("spacy-lookups-data is not installed")
    merged: dict[str, str] = {}
    for name in language.lemmas:
        path = folder / f"{language.spacy}_{name}.json.gz"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: lemma table {name!r} named in locales/{lang}/language.yml does not "
                                    f"exist; tables for {language.spacy!r}: {languages.lemma_tables(language.spacy)}")
        for form, lemma in srsly.read_gzip_json(path).items():
            merged.setdefault(form.lower(), lemma)
    return merged


def prune(table: Table, words: Iterable[str]) -> dict[str, str]:
    """Keep the forms whose lemma is the lemma of a word we have seen (folded on the way out).

    That is all the model can use: any other lemma would be a feature it never saw in training.
    """
    keep = {table.get(word, word) for word in words}
    return {form: fold(lemma) for form, lemma in table.items() if lemma in keep}


def tokenize(text: str, lang: Optional[str], tables: Mapping[str, Table]) -> list[Word]:
    """Split `text` into words with character offsets and normalised lemmas."""
    found = languages.settings().get(lang) if lang else None
    table = tables.get(found.code, {}) if found else {}
    words = []
    for token in _nlp(found.spacy if found else NEUTRAL).make_doc(text):
        if token.is_space or token.is_punct:
            continue
        lower = token.text.lower()
        words.append(Word(token.text, token.idx, token.idx + len(token.text), fold(table.get(lower) or lower)))
    return words
