"""Does the spaCy tokenizer with lemmas help? Same data, same pipeline, three tokenizers:
Rasa's WhitespaceTokenizer, spacy.blank(<lang>) without lemmas, and the project's (with lemmas).

    .venv/bin/python -m bench.tokenizers      # trains 2 NLU models (~5 min each here); the
                                              # project's variant is the current trained model
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from bench.folds import training_examples
from bench.holdout import evaluate, table
from bench.systems import train_rasa_nlu
from bot.paths import CONFIG, ROOT

VARIANTS = {
    "whitespace": {"name": "WhitespaceTokenizer"},
    "spacy, no lemmas": {"name": "bot.nlu.tokenizer.LanguageAwareTokenizer", "use_lemmas": False},
}
PROJECT = "spacy + lemmas (project, current model)"


def main() -> None:
    from bot.training import ensure_model

    base = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    out = [f"### {PROJECT}\n\n{table(evaluate(ensure_model()))}\n"]
    print(out[-1], flush=True)
    for label, tokenizer in VARIANTS.items():
        config = dict(base, pipeline=[tokenizer] + base["pipeline"][1:])
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "config.yml"
            path.write_text(yaml.safe_dump(config), encoding="utf-8")
            model, seconds = train_rasa_nlu(path, training_examples(), Path(folder))
            results = evaluate(model)
        out.append(f"### {label} (NLU training {seconds:.0f} s)\n\n{table(results)}\n")
        print(out[-1], flush=True)
    Path(ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "tokenizers.md").write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
