"""Train a model only when something it depends on changed.

The model file is named after a fingerprint of the config, domain, training data, the custom
NLU code and the languages' NLU settings (`lingua`, `spacy`, `lemmas` in locales/<lang>/language.yml),
so "is the model current?" is one file lookup. Answer texts (locales/) are not part of the
fingerprint: editing them never needs training.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Optional, Union

from bot import languages
from bot.paths import CONFIG, DATA, DOMAIN, LOCALES, MODELS, ROOT

INPUTS = (CONFIG, DOMAIN, DATA, ROOT / "bot" / "nlu", ROOT / "bot" / "language.py", ROOT / "bot" / "text.py",
          ROOT / "locales" / "terms.yml", ROOT / "requirements" / "constraints.txt")


#: Training inputs that Rasa does not see as training data (read by our components), so they must
#: key its cache like code does.
SIDE_DATA = (DATA / "safety", DATA / "other_languages.txt")


def _files(paths: tuple[Path, ...]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".py", ".txt"}]
        elif path.is_file():
            found.append(path)
    return sorted(found)


def _digest(paths: tuple[Path, ...], root: Path, extra: str = "") -> str:
    digest = hashlib.sha256()
    for path in _files(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    digest.update(extra.encode())
    return digest.hexdigest()[:16]


def fingerprint(root: Path = ROOT, config: Path = CONFIG) -> str:
    return _digest((config,) + INPUTS[1:], root, languages.training_key(LOCALES))


def code_cache(root: Path = ROOT) -> Path:
    """Rasa's training cache, one per version of the project's NLU code: Rasa keys its cache on
    component configs and training data, not on our code, so a changed component would otherwise
    be restored from an old training."""
    code = tuple(p for p in INPUTS if p not in (CONFIG, DOMAIN, DATA)) + SIDE_DATA
    return root / ".rasa" / "cache" / _digest(code, ROOT)


def model_path(config: Path = CONFIG) -> Path:
    return MODELS / f"model-{fingerprint(config=config)}.tar.gz"


def rasa_env(cache: Optional[Path] = None) -> dict[str, str]:
    """Environment for Rasa processes: no telemetry, quiet TensorFlow, project importable; `cache`
    gives Rasa its own training cache (benchmarks: nothing reused from earlier trainings)."""
    env = dict(os.environ)
    env.update({
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    })
    if cache is not None:
        env["RASA_CACHE_DIRECTORY"] = str(cache)
    return env


def start_training(out: Path, name: str, project: Path = ROOT, config: Optional[Path] = None,
                   cache: Optional[Path] = None, output: Union[IO, int, None] = None) -> subprocess.Popen:
    """Start training `out/<name>.tar.gz` from a project's config, domain and data, in the
    background (the tests train a second project while others run); `train` waits for it.

    Rasa's data validation is skipped here: `make validate` and the tests run it, stricter
    (warnings fail), and it would add about 20 s to every training. `cache`: see rasa_env.
    `output`: where Rasa's output goes (a file, subprocess.DEVNULL; default: this process's).

    The languages are the project's own (`project/locales`, BOT_LOCALES_DIR for Rasa); a language
    setting or training folder that is wrong or missing stops training before it starts
    (:class:`bot.languages.LanguageError`, the same problems as `python -m bot validate`).
    """
    locales, nlu = project / LOCALES.name, project / DATA.name / "nlu"
    _, issues = languages.read(locales)
    issues += languages.training_data_issues(locales, nlu)
    if issues:
        raise languages.LanguageError(issues)
    env = {**rasa_env(cache or code_cache()), "BOT_LOCALES_DIR": str(locales)}
    return subprocess.Popen(
        [sys.executable, "-m", "rasa", "train", "--skip-validation",
         "--config", str(config or project / CONFIG.name), "--domain", str(project / DOMAIN.name),
         "--data", str(project / DATA.name), "--out", str(out), "--fixed-model-name", name],
        cwd=project, env=env, stdout=output, stderr=output,
    )


def train(out: Path, name: str, project: Path = ROOT, config: Optional[Path] = None,
          cache: Optional[Path] = None, quiet: bool = False) -> float:
    """Train `out/<name>.tar.gz` (see start_training) and return the seconds taken."""
    started = time.monotonic()
    process = start_training(out, name, project, config, cache, subprocess.DEVNULL if quiet else None)
    code = finish(process)
    if code:
        raise subprocess.CalledProcessError(code, process.args)
    return time.monotonic() - started


def finish(process: subprocess.Popen) -> int:
    """Wait for a training started by `start_training` and return its exit code; if the wait is
    interrupted (Ctrl-C, a test timeout), kill it first, so no training is left running on its own."""
    try:
        return process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise


def ensure_model(config: Path = CONFIG, force: bool = False) -> Path:
    """Return a model trained on the current inputs, training one if needed (a few minutes)."""
    target = model_path(config)
    if target.is_file() and not force:
        return target
    MODELS.mkdir(exist_ok=True)
    print(f"training {target.name} (config, domain or training data changed)...", flush=True)
    train(MODELS, target.name[:-len(".tar.gz")], config=config)
    return target
