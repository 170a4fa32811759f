"""Language-aware tokenisation with `spacy.blank(<lang>)` and spacy-lookups-data lemma tables.

spaCy's trained pipelines are not installable here, so we use what works offline: each language's
rule-based tokenizer plus its lookup lemma table. Polish has no single lookup table, only tables
per part of speech; without a tagger we merge them (nouns first), a useful approximation.

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

from bot.text import fold

# Lookup tables per language, in priority order (files of the spacy-lookups-data package).
LEMMA_TABLES: dict[str, tuple[str, ...]] = {
    "nl": ("lemma_lookup",),
    "en": ("lemma_lookup",),
    "es": ("lemma_lookup",),
    "ro": ("lemma_lookup",),
    "pl": tuple(f"lemma_lookup_{pos}" for pos in
                ("noun", "verb", "adj", "adv", "pron", "num", "adp", "aux", "part")),
}
#: spaCy's language-neutral tokenizer, for messages whose language is unclear.
NEUTRAL = "xx"

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


def warm_up() -> None:
    """Build every language's spaCy tokenizer now: built on first use, the first message in each
    language after a restart waited a few hundred milliseconds longer (bench.speed's p99)."""
    for code in (*LEMMA_TABLES, NEUTRAL):
        _nlp(code)


def full_table(lang: str) -> dict[str, str]:
    """The complete lookup table of `lang` (lowercase form -> lemma as written). Training only."""
    import spacy_lookups_data
    import srsly

    folder = Path(spacy_lookups_data.__file__).parent / "data"
    merged: dict[str, str] = {}
    for name in LEMMA_TABLES.get(lang, ()):
        path = folder / f"{lang}_{name}.json.gz"
        if path.is_file():
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
    code = lang if lang in LEMMA_TABLES else NEUTRAL
    table = tables.get(code, {})
    words = []
    for token in _nlp(code).make_doc(text):
        if token.is_space or token.is_punct:
            continue
        lower = token.text.lower()
        words.append(Word(token.text, token.idx, token.idx + len(token.text), fold(table.get(lower) or lower)))
    return words
