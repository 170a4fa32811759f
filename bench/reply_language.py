"""Does the assistant answer in the user's language? Detection (lingua plus the project's classifier,
as stored in the trained model) and the decision rule (bot.language.decide), on these messages:

- first messages written by helpers who never saw the training data
  (`bench/data/first_messages/<round>/<lang>.yml`): questions, greetings, questions naming an
  organisation or a Dutch term ("named"), and questions for the newest answers; from round 33 on
  also the greetings written in the writer's own language (not "hi", or "goedemiddag" from a Polish
  writer), as a blind helper labelled them (`greeting-languages.yml`);
- the held-out questions (tests/nlu/<lang>.yml), short messages (up to 3 words, plus
  bench/data/short_messages.yml) and code-mixed ones (a held-out question with an official Dutch
  word put in: "czy potrzebuję zorgverzekering"; Dutch ones get an English word);
- messages in languages the assistant does not speak, and messages with no language at all.

Two situations: a conversation already in that language (set by an earlier message or a button),
and a new conversation. "right": answered in that language (sure, or as the best guess with the
language buttons under it); "asked": the five-language choice alone; "wrong": another language.
The decision is the assistant's (bot.language.decide with the message's text, the content's
language names, so "hi, polish ok?" asks for Polish, and from round 33 on the NLU's own reading of a
request for a language: the trained model's intent `language`, as bot.dialogue passes it).

    .venv/bin/python -m bench.reply_language [--round round1] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Optional

import yaml

from bench import round_folders
from bot import language
from bot.config import LANGUAGES
from testkit.held_out import examples

LANGUAGE_INTENT = "language"   # the NLU intent of "do you speak Polish?" (data/rules/conversation.yml)

DATA = Path(__file__).parent / "data"
SHORT = DATA / "short_messages.yml"
FIRST = DATA / "first_messages"
ENGLISH_WORDS = ("please", "ok", "sorry", "thanks")
BLIND_KINDS = ("questions", "greetings", "named", "new_answers")
#: the language each blind greeting is written in (nl ... ro, `shared`, `other`), labelled by a
#: helper who saw the greetings alone, not the writers' languages or the assistant's replies
GREETING_LANGUAGES = FIRST / "greeting-languages.yml"
OWN_GREETINGS = "greetings in the writer's language"


def rounds() -> list[str]:
    return round_folders(FIRST)


def dutch_terms() -> list[str]:
    return list(yaml.safe_load(language.TERMS_FILE.read_text(encoding="utf-8"))["terms"])


def blind_sets(lang: str, round_name: str) -> dict[str, list[str]]:
    path = FIRST / round_name / f"{lang}.yml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = lambda item: str(item["text"] if isinstance(item, dict) else item)  # noqa: E731
    sets = {kind: [text(i) for i in data.get(kind) or []] for kind in BLIND_KINDS}
    sets["questions"] = [q for q in sets["questions"] if language.count_words(q) >= 3]
    labels = greeting_languages()
    if sets["greetings"] and all(g in labels for g in sets["greetings"]):
        # "hi", "hallo" or "goedemiddag" from a Polish writer says nothing of Polish: reported apart
        sets[OWN_GREETINGS] = [g for g in sets["greetings"] if labels[g] == lang]
    return sets


def greeting_languages() -> dict[str, str]:
    if not GREETING_LANGUAGES.is_file():
        return {}
    return {str(k): str(v) for k, v in (yaml.safe_load(GREETING_LANGUAGES.read_text(encoding="utf-8")) or {}).items()}


def newest_rounds(lang: str) -> dict[str, str]:
    """For each kind of blind set, the newest round that has it (round 3 brought only new answers,
    so greetings and named questions still come from round 2)."""
    found: dict[str, str] = {}
    for round_name in reversed(rounds()):
        for kind, texts in blind_sets(lang, round_name).items():
            if texts:
                found.setdefault(kind, round_name)
    if found.get(OWN_GREETINGS, found.get("greetings")) != found.get("greetings"):
        del found[OWN_GREETINGS]   # only beside the greetings they come from
    return found


def message_sets(lang: str, round_name: Optional[str], seed: int = 7) -> dict[str, list[str]]:
    """The blind sets of `round_name` (None: each kind from its newest round) and the generated sets."""
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
    if round_name:
        sets = {f"blind {kind}": texts for kind, texts in blind_sets(lang, round_name).items()}
    else:
        sets = {f"blind {kind}": blind_sets(lang, newest)[kind] for kind, newest in newest_rounds(lang).items()}
    return {**sets, "held-out questions": questions, "short": short, "code-mixed": mixed}


def score(lang: str, texts: list[str], classifier, language_words: Optional[dict] = None,
          asks: Optional[list[bool]] = None) -> dict:
    """`language_words` (the content's names of each language): as the assistant does, a short
    message that names a language ("hi, polish ok?") asks for it; without them only detection counts.
    `asks`: per text, whether the NLU reads it as a request for a language (any length)."""
    detections = [(language.detect(text, classifier), text, bool(asked))
                  for text, asked in zip(texts, asks or [False] * len(texts))]

    def decided(**situation) -> list[Optional[str]]:
        return [language.decide(d, text=t, language_words=language_words, asks_for_language=a, **situation).language
                for d, t, a in detections]

    in_conversation, first, phone = decided(current=lang), decided(), decided(channel_hint=lang)
    n = len(texts) or 1
    return {"n": len(texts),
            "in_conversation": sum(f == lang for f in in_conversation) / n,
            "new_conversation": sum(f == lang for f in first) / n,
            "new_conversation_asked": sum(f is None for f in first) / n,
            "new_conversation_wrong": sum(f not in (None, lang) for f in first) / n,
            # on Telegram, whose updates carry the phone's language (`language_code`), set to theirs
            "new_conversation_phone_hint": sum(f == lang for f in phone) / n}


def other_languages(round_name: str, classifier) -> dict:
    """Unsupported languages must be recognised; no-signal messages must get the choice."""
    path = FIRST / round_name / "other.yml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for code, texts in (data.get("unsupported") or {}).items():
        found = [language.detect(t, classifier) for t in texts]
        out[code] = {"n": len(texts), "recognised": sum(bool(d.unsupported) for d in found) / len(texts)}
    silent = [language.decide(language.detect(t, classifier)).language for t in data.get("no_signal") or []]
    out["no signal (asked)"] = {"n": len(silent), "recognised": sum(s is None for s in silent) / max(1, len(silent))}
    return out


def measure(langs: tuple[str, ...] = LANGUAGES, round_name: Optional[str] = None,
            model: Optional[Path] = None) -> dict:
    """{"languages": {kind: {lang: scores}}, "other": {...}} with the trained model's classifier."""
    from bench.systems import RasaPredictor
    from bot.knowledge import load
    from bot.nlu.language_id import LanguageId
    from bot.training import ensure_model

    model = model or ensure_model()
    classifier = LanguageId.from_model(model)
    language_words = load().language_words   # since round 30 (bench/notes.md): as in bot.dialogue
    nlu = RasaPredictor(model)               # since round 33: the `language` intent, as in bot.dialogue
    out: dict[str, dict[str, dict]] = {}
    for lang in langs:
        for kind, texts in message_sets(lang, round_name).items():
            if texts:
                asks = [intent == LANGUAGE_INTENT for intent in nlu.predict(texts)]
                out.setdefault(kind, {})[lang] = score(lang, texts, classifier, language_words, asks)
    with_others = [r for r in rounds() if (FIRST / r / "other.yml").is_file()]
    others = round_name or (with_others[-1] if with_others else None)
    used = {f"blind {kind}": r for lang in langs for kind, r in newest_rounds(lang).items()}
    return {"round": round_name or ", ".join(f"{kind[6:]}: {r}" for kind, r in sorted(used.items())),
            "languages": out, "other": other_languages(others, classifier) if others else {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", default=None, help=f"blind first messages: one of {rounds()}")
    parser.add_argument("--json", type=Path, default=None,
                        help="write the result to this file (stdout also carries Rasa's model-loading line)")
    args = parser.parse_args()
    result = json.dumps(measure(round_name=args.round), indent=1)
    if args.json:
        args.json.write_text(result + "\n", encoding="utf-8")
    else:
        print(result)


if __name__ == "__main__":
    main()
