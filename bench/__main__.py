"""Run the benchmark suite and write docs/benchmarks.md, docs/benchmarks.json and the plots.

    .venv/bin/python -m bench                         # everything (hours: see docs/benchmarks.md)
    .venv/bin/python -m bench --only speed,scaling    # these sections again, the rest kept
    .venv/bin/python -m bench --limit rasa_default=1  # only the first fold of a slow system
    .venv/bin/python -m bench --render                # the page again from the JSON
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Callable

from bench import crossval, live_edit, reply_language, report, safety, scaling, speed, understanding
from bench.systems import SYSTEMS
from bot.paths import ROOT
from bot.training import ensure_model, train

DOCS = ROOT / "docs"
RESULTS = DOCS / "benchmarks.json"
IMAGES = DOCS / "img"


def training_section() -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-train-") as folder:
        seconds = train(Path(folder), "model", cache=Path(folder) / "cache", quiet=True)
    return {"seconds": round(seconds), "live_edit": live_edit.measure()}


def speed_section() -> dict:
    return {"project": speed.measure(), "stock_rasa": speed.measure(stock_rasa=True)}


def scaling_section(results: dict) -> list[dict]:
    """The real project (from the speed and training sections) and the synthetic sizes."""
    current = results["speed"]["project"]
    model = ensure_model()
    rows = [{"answers": scaling.answer_count(ROOT / "locales"),
             "train_seconds": results.get("training", {}).get("seconds"),
             "model_mb": round(model.stat().st_size / 1e6),
             "levels": [row for row in current["levels"] if row["concurrency"] in (1, 8)],
             "rasa_mb": current["rasa_mb"], "actions_mb": current["actions_mb"]}]
    return rows + [scaling.measure_size(total) for total in scaling.SIZES]


def machine() -> dict:
    import rasa

    return {"date": datetime.date.today().isoformat(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "rasa": rasa.__version__}


SECTIONS = ("safety", "understanding", "crossval", "reply_language", "training", "speed", "scaling")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated: " + ",".join(SECTIONS))
    parser.add_argument("--limit", default="", help="at most N folds of a system, e.g. rasa_default=1")
    parser.add_argument("--render", action="store_true", help="only rewrite the page from the JSON")
    args = parser.parse_args()

    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    sections: dict[str, Callable[[], object]] = {
        "safety": lambda: safety.run(safety.rounds()[-1]),
        "understanding": understanding.measure,
        "crossval": lambda: crossval.run(list(SYSTEMS), limits=crossval.parse_limits(args.limit)),
        "reply_language": reply_language.measure,
        "training": training_section,
        "speed": speed_section,
        "scaling": lambda: scaling_section(results),
    }
    chosen = [] if args.render else (args.only.split(",") if args.only else list(sections))
    for name in chosen:
        print(f"bench: {name}", flush=True)
        results[name] = sections[name]()
        results["machine"] = machine()
        RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (DOCS / "benchmarks.md").write_text(report.render(results, IMAGES), encoding="utf-8")
    print(f"wrote {DOCS / 'benchmarks.md'} and {RESULTS}")


if __name__ == "__main__":
    main()
