"""Does the spaCy tokenizer with lemmas help? Same data, same pipeline, three tokenizers:
Rasa's WhitespaceTokenizer, spacy.blank(<lang>) without lemmas, and the project's (with lemmas).

    .venv/bin/python -m bench.tokenizers      # trains 2 NLU models (~5 min each here); the
                                              # project's variant is the current trained model
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.holdout import evaluate, table
from bot.paths import CONFIG, DATA, ROOT
from bot.training import rasa_env

VARIANTS = {
    "whitespace": {"name": "WhitespaceTokenizer"},
    "spacy, no lemmas": {"name": "bot.nlu.tokenizer.LanguageAwareTokenizer", "use_lemmas": False},
}
PROJECT = "spacy + lemmas (project, current model)"


def train_nlu(config: dict, folder: Path) -> tuple[Path, float]:
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--config", str(path), "--nlu", str(DATA / "nlu"),
                    "--out", str(folder), "--fixed-model-name", "nlu"], cwd=ROOT, env=rasa_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return folder / "nlu.tar.gz", time.monotonic() - started


def main() -> None:
    from bot.training import ensure_model

    base = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    out = [f"### {PROJECT}\n\n{table(evaluate(ensure_model()))}\n"]
    print(out[-1], flush=True)
    for label, tokenizer in VARIANTS.items():
        config = dict(base, pipeline=[tokenizer] + base["pipeline"][1:])
        with tempfile.TemporaryDirectory() as folder:
            model, seconds = train_nlu(config, Path(folder))
            results = evaluate(model)
        out.append(f"### {label} (NLU training {seconds:.0f} s)\n\n{table(results)}\n")
        print(out[-1], flush=True)
    Path(ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "tokenizers.md").write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
