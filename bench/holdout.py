"""Held-out evaluation of a trained model: accuracy, macro F1 and confusions per language.

    .venv/bin/python -m bench.holdout [MODEL]     # default: the current model
"""
from __future__ import annotations

import asyncio
import collections
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import LANGUAGES
from bot.language import Detection, decide
from testkit.held_out import examples


@dataclass
class Result:
    accuracy: float
    top1: float                     # ignoring the fallback classifier
    macro_f1: float
    reply_language: float           # conversation stays in the right language
    n: int
    confusions: list = field(default_factory=list)   # ((true, predicted), count)


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {t for t, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(t == p == label for t, p in pairs)
        fp = sum(p == label and t != label for t, p in pairs)
        fn = sum(t == label and p != label for t, p in pairs)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def evaluate(model: Path, langs=LANGUAGES) -> dict[str, Result]:
    from rasa.core.agent import Agent

    from bot.services import quiet_rasa_logging

    quiet_rasa_logging()
    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()
    results = {}
    for lang in langs:
        rows = examples(lang)
        parsed = [loop.run_until_complete(agent.parse_message(text)) for _, text in rows]
        predicted = [p["intent"]["name"] for p in parsed]
        top1 = [next(r["name"] for r in p["intent_ranking"] if r["name"] != "nlu_fallback") for p in parsed]
        truth = [intent for intent, _ in rows]
        language_rows = [(p, i) for p, (i, _) in zip(parsed, rows) if i != "language"]
        right_language = sum(decide(Detection.from_dict(p.get("detected_language")), current=lang).language == lang
                             for p, _ in language_rows)
        confusions = collections.Counter((t, p) for t, p in zip(truth, predicted) if t != p)
        results[lang] = Result(
            accuracy=sum(t == p for t, p in zip(truth, predicted)) / len(rows),
            top1=sum(t == p for t, p in zip(truth, top1)) / len(rows),
            macro_f1=macro_f1(list(zip(truth, predicted))),
            reply_language=right_language / len(language_rows),
            n=len(rows), confusions=confusions.most_common(8))
    return results


def table(results: dict[str, Result]) -> str:
    lines = ["| language | accuracy | top-1 (no fallback) | macro F1 | reply language | n |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {lang} | {r.accuracy:.1%} | {r.top1:.1%} | {r.macro_f1:.1%} | {r.reply_language:.1%} | {r.n} |"
              for lang, r in results.items()]
    return "\n".join(lines)


def main() -> None:
    from bot.training import model_path

    model = Path(sys.argv[1]) if len(sys.argv) > 1 else model_path()
    results = evaluate(model)
    print(table(results))
    pairs = collections.Counter()
    for r in results.values():
        pairs.update(dict(r.confusions))
    print("\nmost confused (true -> predicted):", json.dumps(pairs.most_common(10)))


if __name__ == "__main__":
    main()
