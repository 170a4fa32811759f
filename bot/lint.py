"""Content lint: what a careful reader of the answers flags, checked by `python -m bot validate`.

These are warnings, not load errors: the assistant keeps serving a text that breaks them, but an
editor sees `file:line` and the reason. (An over-long first message is a load error instead, see
:data:`bot.knowledge.model.FIRST_MESSAGE_LIMIT`.)

- a sentence of more than :data:`MAX_SENTENCE_WORDS` words in an answer's first message (B1 level);
- an answer marked `careful` whose first message has none of its language's hedging words
  (`hedges:` in `locales/<lang>/language.yml`: "normally", "usually", ...).
"""
from __future__ import annotations

import re
from pathlib import Path

from bot import yamlfile
from bot.knowledge import Knowledge, Problem
from bot.text import fold

MAX_SENTENCE_WORDS = 25
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
_WORD = re.compile(r"\w+", re.UNICODE)
_PLACEHOLDER = re.compile(r"\{[a-z0-9_.]+\}")


def sentences(text: str) -> list[str]:
    """The sentences of a text; every line (and so every bullet) ends one."""
    return [s.strip(" •") for s in _SENTENCE_END.split(text) if s.strip(" •")]


def word_count(sentence: str) -> int:
    return len(_WORD.findall(_PLACEHOLDER.sub("x", sentence)))


def hedges(locales: Path, lang: str) -> list[str]:
    path = locales / lang / "language.yml"
    data = yamlfile.load(path) if path.is_file() else {}
    return [fold(str(h)) for h in (data or {}).get("hedges") or []]


def has_hedge(text: str, words: list[str]) -> bool:
    folded = " " + " ".join(_WORD.findall(fold(text))) + " "
    return any(f" {h} " in folded for h in words)


def lint(k: Knowledge, locales: Path) -> list[Problem]:
    """Warnings for every language's answers, in file order."""
    warnings: list[Problem] = []
    for lang, answers in k.answers.items():
        path = f"locales/{lang}/answers.yml"
        lang_hedges = hedges(locales, lang)
        for answer_id, entry in answers.items():
            line = k.lines.get((lang, answer_id), 1)
            for sentence in sentences(entry["text"]):
                if word_count(sentence) > MAX_SENTENCE_WORDS:
                    warnings.append(Problem(path, line, f"warning: {answer_id}: a sentence of {word_count(sentence)} "
                                                        f"words (B1: at most {MAX_SENTENCE_WORDS}): {sentence[:60]}…"))
            if k.meta[answer_id].careful and lang_hedges and not has_hedge(entry["text"], lang_hedges):
                warnings.append(Problem(path, line, f"warning: {answer_id} is marked careful, but its first message "
                                                    f"has no hedging word (see locales/{lang}/language.yml)"))
    return warnings
