"""Train a model only when something it depends on changed.

The model file is named after a fingerprint of the config, domain, training data and the custom
NLU code, so "is the model current?" is one file lookup. Answer texts (locales/) are not part of
the fingerprint: editing them never needs training.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from bot.paths import CONFIG, DATA, DOMAIN, MODELS, ROOT

INPUTS = (CONFIG, DOMAIN, DATA, ROOT / "bot" / "nlu", ROOT / "bot" / "language.py",
          ROOT / "locales" / "terms.yml", ROOT / "requirements" / "constraints.txt")


def _files(paths: tuple[Path, ...]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".py"}]
        elif path.is_file():
            found.append(path)
    return sorted(found)


def fingerprint(root: Path = ROOT, config: Path = CONFIG) -> str:
    digest = hashlib.sha256()
    for path in _files((config,) + INPUTS[1:]):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(config: Path = CONFIG) -> Path:
    return MODELS / f"model-{fingerprint(config=config)}.tar.gz"


def rasa_env() -> dict[str, str]:
    """Environment for Rasa processes: no telemetry, quiet TensorFlow, project importable."""
    env = dict(os.environ)
    env.update({
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    })
    return env


def ensure_model(config: Path = CONFIG, force: bool = False) -> Path:
    """Return a model trained on the current inputs, training one if needed (a few minutes)."""
    target = model_path(config)
    if target.is_file() and not force:
        return target
    MODELS.mkdir(exist_ok=True)
    print(f"training {target.name} (config, domain or training data changed)...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", str(DOMAIN),
         "--data", str(DATA), "--out", str(MODELS), "--fixed-model-name", target.name[:-len(".tar.gz")]],
        cwd=ROOT, env=rasa_env(), check=True,
    )
    return target
