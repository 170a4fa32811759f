"""Cross-validation of every system on the same stratified folds, scored per language.

Each (system, fold) result is kept in results/bench/ under a key of everything it depends on
(training data, folds, the system's config, the project's NLU code and pinned packages), so an
interrupted run continues where it stopped and a re-run only repeats what changed.

    .venv/bin/python -m bench.crossval [--systems project,tfidf_nn] [--limit rasa_default=1]
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Optional

from bench.folds import Example, assign_folds, split, training_examples
from bench.holdout import macro_f1
from bench.systems import SYSTEMS, System, config_text
from bot import languages
from bot.config import LANGUAGES
from bot.paths import CONFIG, DATA, DOMAIN, LOCALES, ROOT
from bot.training import INPUTS, _files

CACHE = ROOT / "results" / "bench"
FALLBACK = "nlu_fallback"
# what a system's predictions depend on besides its config and the examples
CODE = tuple(path for path in INPUTS if path not in (CONFIG, DOMAIN, DATA)) + (ROOT / "bench" / "systems.py",)


def cache_key(system: System, fold: int, examples: list[Example], fold_of: list[int]) -> str:
    digest = hashlib.sha256(config_text(system).encode())
    digest.update(json.dumps([[e.lang, e.intent, e.text, f] for e, f in zip(examples, fold_of)]).encode())
    for path in _files(CODE):
        digest.update(path.read_bytes())
    digest.update(languages.training_key(LOCALES).encode())   # lemma tables, spaCy and lingua codes
    digest.update(str(fold).encode())
    return digest.hexdigest()[:16]


def run_fold(name: str, fold: int, examples: list[Example], fold_of: list[int],
             cache: Path = CACHE) -> dict:
    """Train `name` without fold `fold`, predict fold `fold`; cached."""
    system = SYSTEMS[name]
    path = cache / f"{name}-fold{fold}-{cache_key(system, fold, examples, fold_of)}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    train, test = split(examples, fold_of, fold)
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
        trained = system.fit(train, Path(folder))
        ranked = trained.predictor.ranked([e.text for e in test])
    result = {"system": name, "fold": fold, "train_seconds": round(trained.seconds, 1), "n_train": len(train),
              "rows": [[e.lang, e.intent, p, best, round(conf, 4)] for e, (p, best, conf) in zip(test, ranked)]}
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return result


THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def sweep(rows: list[list]) -> dict[str, list[dict]]:
    """Per language: right / fallback / wrong if the fallback threshold were t (best intent and its
    confidence before the fallback; the ambiguity rule left out)."""
    out: dict[str, list[dict]] = {}
    for lang in LANGUAGES:
        mine = [row for row in rows if row[0] == lang and len(row) >= 5]
        for t in THRESHOLDS if mine else ():
            fallback = sum(row[4] < t for row in mine)
            right = sum(row[4] >= t and row[3] == row[1] for row in mine)
            out.setdefault(lang, []).append({"threshold": t, "right": right / len(mine),
                                             "fallback": fallback / len(mine),
                                             "wrong": (len(mine) - right - fallback) / len(mine)})
    return out


def scores(rows: list[list]) -> dict[str, dict]:
    """Accuracy, macro F1 and n per language, over the given (lang, true, predicted, ...) rows."""
    out = {}
    for lang in LANGUAGES:
        pairs = [(row[1], row[2]) for row in rows if row[0] == lang]
        if pairs:
            out[lang] = {"accuracy": sum(t == p for t, p in pairs) / len(pairs),
                         "macro_f1": macro_f1(pairs), "n": len(pairs),
                         # a fallback asks the user to rephrase or pick a topic; a wrong answer misleads
                         "fallback": sum(p == FALLBACK != t for t, p in pairs) / len(pairs),
                         "wrong_answer": sum(p not in (t, FALLBACK) for t, p in pairs) / len(pairs)}
    return out


def summarise(name: str, results: list[dict], k: int) -> dict:
    rows = [row for result in results for row in result["rows"]]
    per_fold = {result["fold"]: scores(result["rows"]) for result in results}
    confusions = collections.Counter((row[1], row[2]) for row in rows if row[1] != row[2])
    return {
        "label": SYSTEMS[name].label,
        "folds": sorted(per_fold),
        "of_folds": k,
        "train_seconds": [result["train_seconds"] for result in results],
        "per_language": scores(rows),
        "sweep": sweep(rows),
        "per_fold": {str(fold): value for fold, value in per_fold.items()},
        "confusions": [[t, p, n] for (t, p), n in confusions.most_common(12)],
    }


def run(systems: list[str], k: int = 5, limits: Optional[dict[str, int]] = None,
        examples: Optional[list[Example]] = None, cache: Path = CACHE) -> dict:
    """Cross-validate each system (at most limits[name] folds of it), return the summary."""
    examples = examples if examples is not None else training_examples()
    fold_of = assign_folds(examples, k)
    summary = {"k": k, "n_examples": len(examples), "systems": {}}
    for name in systems:
        results = []
        for fold in range(min(k, (limits or {}).get(name, k))):
            print(f"crossval: {name}, fold {fold + 1} of {k}", flush=True)
            results.append(run_fold(name, fold, examples, fold_of, cache))
        summary["systems"][name] = summarise(name, results, k)
    return summary


def parse_limits(text: str) -> dict[str, int]:
    """"rasa_default=1,per_language=2" -> {"rasa_default": 1, "per_language": 2}"""
    pairs = [item.split("=") for item in text.split(",") if item]
    return {name: int(count) for name, count in pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", default="", help="at most N folds of a system, e.g. rasa_default=1")
    args = parser.parse_args()
    summary = run(args.systems.split(","), args.folds, parse_limits(args.limit))
    for name, result in summary["systems"].items():
        print(name, json.dumps({lang: round(s["accuracy"], 3) for lang, s in result["per_language"].items()}))


if __name__ == "__main__":
    main()
