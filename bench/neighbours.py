"""Did adding answers make the old ones worse? Cross-validation with and without them, same folds.

Comparing today's cross-validation with one from before new answers were added mixes two changes:
the new answers, and everything else that changed in the data since (new questions, harder folds).
This benchmark holds everything else fixed: it assigns the folds once, over all of today's training
questions, then cross-validates the project twice on them:

- with: every answer (the same run, and the same cache, as `bench.crossval --systems project`);
- without: the `--added` answers' questions removed from training and test, every other question
  in the same fold as in "with".

For each old answer it reports how many of its questions are answered right in each run, and the
per-language totals; "no worse" holds for an answer when "with" is at least "without".

    .venv/bin/python -m bench.neighbours [--added work_tax,housing_eviction,law_wrs,crisis_suicide]
        [--json bench/measured/neighbours.json]
"""
from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path
from typing import Iterable, Optional

from bench.crossval import CACHE, run_fold
from bench.folds import Example, assign_folds, training_examples
from bot.config import LANGUAGES

SYSTEM = "project"
ADDED = ("work_tax", "housing_eviction", "law_wrs", "crisis_suicide")   # the catalog's four newest answers


def right_counts(rows: Iterable[list]) -> dict[tuple[str, str], list[int]]:
    """{(language, true answer): [right, total]} over crossval rows (lang, true, predicted, ...)."""
    counts: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    for lang, true, predicted, *_ in rows:
        counts[(lang, true)][0] += true == predicted
        counts[(lang, true)][1] += 1
    return counts


def measure(added: tuple[str, ...] = ADDED, k: int = 5, examples: Optional[list[Example]] = None,
            system: str = SYSTEM, cache: Path = CACHE) -> dict:
    """Per old answer and per language: the share right with and without the `added` answers."""
    examples = examples if examples is not None else training_examples()
    fold_of = assign_folds(examples, k)   # once, over all: an old question stays in its fold
    kept = [i for i, e in enumerate(examples) if e.intent not in added]
    runs = {}
    for name, (chosen, folds) in {"with": (examples, fold_of),
                                  "without": ([examples[i] for i in kept], [fold_of[i] for i in kept])}.items():
        rows = []
        for fold in range(k):
            print(f"neighbours: {name} the added answers, fold {fold + 1} of {k}", flush=True)
            rows += run_fold(system, fold, chosen, folds, cache)["rows"]
        runs[name] = right_counts(rows)
    old = sorted({intent for _, intent in runs["without"]})
    per_answer = {}
    for intent in old:
        with_, without = ([sum(runs[r][(lang, intent)][i] for lang in LANGUAGES) for i in (0, 1)]
                          for r in ("with", "without"))
        per_answer[intent] = {"with": with_[0] / with_[1], "without": without[0] / without[1], "n": with_[1]}
    per_language = {}
    for lang in LANGUAGES:
        totals = {r: [sum(runs[r][(lang, i)][j] for i in old) for j in (0, 1)] for r in runs}
        if totals["with"][1]:
            per_language[lang] = {r: right / n for r, (right, n) in totals.items()}
    return {"added": list(added), "k": k, "system": system, "per_language": per_language,
            "per_answer": per_answer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--added", default=",".join(ADDED))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(tuple(a for a in args.added.split(",") if a))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print("old answers right, with / without the added ones:")
    for lang, r in result["per_language"].items():
        print(f"  {lang}: {100 * r['with']:.1f} / {100 * r['without']:.1f}")
    worse = sorted(result["per_answer"].items(), key=lambda item: item[1]["with"] - item[1]["without"])
    for intent, r in worse[:12]:
        print(f"  {intent:28} {100 * r['with']:5.1f} / {100 * r['without']:5.1f}  (n={r['n']})")


if __name__ == "__main__":
    main()
