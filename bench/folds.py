"""The training examples and their cross-validation folds, the same for every system compared.

Folds are stratified by (language, intent): each fold holds about a fifth of every intent's
examples in every language, chosen with a fixed seed, so a re-run tests the same messages.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from bot.config import LANGUAGES
from bot.paths import DATA

SEED = 42


@dataclass(frozen=True)
class Example:
    lang: str
    intent: str
    text: str


def read_nlu(path: Path, lang: str) -> list[Example]:
    """The intent examples of one Rasa NLU YAML file (the project's files have no entity markup)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Example(lang, block["intent"], line[2:].strip())
            for block in data.get("nlu") or [] if "intent" in block
            for line in block["examples"].splitlines() if line.strip().startswith("- ")]


def training_examples(nlu_dir: Path = DATA / "nlu", langs: Iterable[str] = LANGUAGES) -> list[Example]:
    """All examples of data/nlu/<lang>/*.yml, in a stable order."""
    return [example for lang in langs for path in sorted((nlu_dir / lang).glob("*.yml"))
            for example in read_nlu(path, lang)]


def assign_folds(examples: list[Example], k: int = 5, seed: int = SEED) -> list[int]:
    """The fold (0..k-1) of each example: stratified by (language, intent), seeded."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        groups[(example.lang, example.intent)].append(index)
    rng = random.Random(seed)
    fold_of = [0] * len(examples)
    offset = 0
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        for position, index in enumerate(members):
            fold_of[index] = (offset + position) % k
        offset += len(members)   # the next group starts where this one stopped: folds stay even
    return fold_of


def split(examples: list[Example], fold_of: list[int], fold: int) -> tuple[list[Example], list[Example]]:
    """(training, test) examples for one fold."""
    train = [e for e, f in zip(examples, fold_of) if f != fold]
    test = [e for e, f in zip(examples, fold_of) if f == fold]
    return train, test


def write_nlu(examples: list[Example], path: Path) -> Path:
    """Write examples as one Rasa NLU YAML file (all languages together, grouped by intent)."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.text)
    blocks = [{"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
              for intent, texts in sorted(by_intent.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path
