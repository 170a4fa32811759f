"""The held-out questions (tests/nlu/<lang>.yml, never trained on), read for tests/test_nlu_holdout.py
and the benchmarks (bench/holdout.py, bench/speed.py, bench/load.py, bench/reply_language.py)."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.paths import ROOT

HELD_OUT = ROOT / "tests" / "nlu"


def examples(lang: str, folder: Path = HELD_OUT) -> list[tuple[str, str]]:
    """(intent, text) pairs from a Rasa NLU YAML file."""
    data = yaml.safe_load((folder / f"{lang}.yml").read_text(encoding="utf-8"))
    return [(block["intent"], line[2:].strip()) for block in data.get("nlu", []) if "intent" in block
            for line in block["examples"].splitlines() if line.strip().startswith("- ")]
