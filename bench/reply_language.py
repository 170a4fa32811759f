"""Does the assistant answer in the user's language? Detection plus the conversation rule
(bot.language.conversation_language), on three kinds of message:

- questions: the held-out questions (tests/nlu/<lang>.yml);
- short: held-out questions of at most 3 words, plus bench/data/short_messages.yml;
- code-mixed: held-out questions with an official Dutch word in them (from locales/terms.yml), the
  way people write them ("czy potrzebuję zorgverzekering"); Dutch ones get an English word.

Two situations: a conversation already in that language (the usual case: the language was set by
the first message or a button) and a new conversation, where an unclear message makes the
assistant ask for the language instead of guessing ("asked").

    .venv/bin/python -m bench.reply_language
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

from bench.holdout import examples
from bot import language
from bot.config import LANGUAGES

SHORT = Path(__file__).parent / "data" / "short_messages.yml"
ENGLISH_WORDS = ("please", "ok", "sorry", "thanks")


def dutch_terms() -> list[str]:
    return list(yaml.safe_load(language.TERMS_FILE.read_text(encoding="utf-8"))["terms"])


def message_sets(lang: str, seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(f"{seed}-{lang}")
    questions = [text for intent, text in examples(lang) if intent != "language"]
    short = [q for q in questions if language.count_words(q) <= 3]
    short += yaml.safe_load(SHORT.read_text(encoding="utf-8"))[lang]
    words = ENGLISH_WORDS if lang == "nl" else dutch_terms()
    mixed = []
    for question in questions:
        tokens = question.split()
        tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(words))
        mixed.append(" ".join(tokens))
    return {"questions": questions, "short": short, "code-mixed": mixed}


def score(lang: str, texts: list[str]) -> dict:
    detections = [language.detect(text) for text in texts]
    in_conversation = sum(language.conversation_language(lang, d) == lang for d in detections)
    first = [language.conversation_language(None, d) for d in detections]
    return {"n": len(texts),
            "in_conversation": in_conversation / len(texts),
            "new_conversation": sum(f == lang for f in first) / len(texts),
            "new_conversation_asked": sum(f is None for f in first) / len(texts),
            "new_conversation_wrong": sum(f not in (None, lang) for f in first) / len(texts)}


def measure(langs: tuple[str, ...] = LANGUAGES) -> dict[str, dict[str, dict]]:
    """{kind: {lang: scores}}"""
    out: dict[str, dict[str, dict]] = {}
    for lang in langs:
        for kind, texts in message_sets(lang).items():
            out.setdefault(kind, {})[lang] = score(lang, texts)
    return out


def main() -> None:
    print(json.dumps(measure(), indent=1))


if __name__ == "__main__":
    main()
