"""The intent classifiers compared on the same folds: the project's and the alternatives.

Each system learns from a list of examples and then names the answer (intent) for new messages.
The Rasa systems train exactly as the project does (`rasa train nlu` in a child process) and
answer with the model loaded in this process; their prediction is the intent after the fallback
classifier, i.e. what the user would get. Each prediction also keeps the best intent and its
confidence before the fallback, for the threshold sweep (wrong answers against fallbacks).

Candidates, each a pipeline the project could ship (`rasa train` and `rasa test` keep working):
`diet` (the project's pipeline until December 2026, bench/configs/diet.yml), `rasa_logreg`
(Rasa's built-in LogisticRegressionClassifier on the same features), `project` (config.yml: the
linear SVM of bot.nlu.linear_classifier); baselines: Rasa's default pipeline and a TF-IDF nearest
neighbour.
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from bench.folds import Example, write_nlu
from bot import language
from bot.config import LANGUAGES
from bot.paths import CONFIG, ROOT
from bot.training import rasa_env


class Predictor(Protocol):
    def predict(self, texts: list[str]) -> list[str]: ...

    def ranked(self, texts: list[str]) -> list[tuple[str, str, float]]:
        """(prediction after the fallback, best intent, its confidence) per text."""
        ...


@dataclass
class Trained:
    predictor: Predictor
    seconds: float       # training time, wall clock


def rasa_init_config() -> Path:
    """The config.yml that `rasa init` writes (Rasa's default pipeline), from the installed Rasa."""
    import rasa.cli

    return Path(rasa.cli.__file__).parent / "initial_project" / "config.yml"


def train_rasa_nlu(config: Path, examples: list[Example], folder: Path) -> tuple[Path, float]:
    """Train an NLU model from scratch (own cache folder: nothing reused between runs). Rasa is given
    a copy of the config: for a config without a pipeline (`rasa init`'s) it writes its defaults
    and a new assistant id into the file, which would change the installed Rasa and every cache key."""
    nlu = write_nlu(examples, folder / "nlu.yml")
    config = Path(shutil.copy(config, folder / "config.yml"))
    env = rasa_env(cache=folder / "cache")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", str(nlu),
                           "--out", str(folder), "--fixed-model-name", "nlu"],
                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        raise RuntimeError(f"training with {config} failed:\n{done.stderr[-3000:]}")
    return folder / "nlu.tar.gz", time.monotonic() - started


class RasaPredictor:
    def __init__(self, model: Path) -> None:
        from rasa.core.agent import Agent

        from bot.services import quiet_rasa_logging

        quiet_rasa_logging()
        self.agent = Agent.load(str(model))

    def parse(self, texts: list[str]) -> list[dict]:
        loop = asyncio.new_event_loop()
        try:
            return [loop.run_until_complete(self.agent.parse_message(text)) for text in texts]
        finally:
            loop.close()

    def predict(self, texts: list[str]) -> list[str]:
        return [row[0] for row in self.ranked(texts)]

    def ranked(self, texts: list[str]) -> list[tuple[str, str, float]]:
        rows = []
        for parse in self.parse(texts):
            best = next((r for r in parse.get("intent_ranking") or [] if r["name"] != "nlu_fallback"),
                        parse["intent"])
            rows.append((parse["intent"]["name"], best["name"], float(best.get("confidence") or 0.0)))
        return rows


def rasa_system(config: Callable[[], Path]) -> Callable[[list[Example], Path], Trained]:
    def fit(examples: list[Example], folder: Path) -> Trained:
        model, seconds = train_rasa_nlu(config(), examples, folder)
        return Trained(RasaPredictor(model), seconds)
    return fit


class TfidfNearest:
    """Character n-gram TF-IDF and the nearest training example (cosine): a simple FAQ matcher."""

    def __init__(self, examples: list[Example]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                          strip_accents="unicode", lowercase=True)
        self.matrix = self.vectorizer.fit_transform([e.text for e in examples])
        self.labels = [e.intent for e in examples]

    def predict(self, texts: list[str]) -> list[str]:
        return [row[0] for row in self.ranked(texts)]

    def ranked(self, texts: list[str]) -> list[tuple[str, str, float]]:
        similarity = (self.vectorizer.transform(texts) @ self.matrix.T).toarray()   # rows are L2-normalised
        return [(self.labels[int(row.argmax())], self.labels[int(row.argmax())], float(row.max()))
                for row in similarity]


def fit_tfidf(examples: list[Example], folder: Path) -> Trained:
    started = time.monotonic()
    model = TfidfNearest(examples)
    return Trained(model, time.monotonic() - started)


class LanguageRouter:
    """One model per language; the project's language detector picks the model for a message."""

    def __init__(self, models: dict[str, Predictor]) -> None:
        self.models = models

    def ranked(self, texts: list[str]) -> list[tuple[str, str, float]]:
        return [(p, p, 1.0) for p in self.predict(texts)]

    def predict(self, texts: list[str]) -> list[str]:
        routed: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            detection = language.detect(text)
            lang = detection.language or detection.guess or LANGUAGES[0]
            routed.setdefault(lang, []).append(index)
        predicted = [""] * len(texts)
        for lang, indices in routed.items():
            for index, intent in zip(indices, self.models[lang].predict([texts[i] for i in indices])):
                predicted[index] = intent
        return predicted


def fit_per_language(examples: list[Example], folder: Path) -> Trained:
    models, seconds = {}, 0.0
    for lang in LANGUAGES:
        trained = rasa_system(lambda: CONFIG)([e for e in examples if e.lang == lang], folder / lang)
        models[lang], seconds = trained.predictor, seconds + trained.seconds
    return Trained(LanguageRouter(models), seconds)


@dataclass(frozen=True)
class System:
    label: str
    fit: Callable[[list[Example], Path], Trained]
    config: Callable[[], Path] | None = None    # for the cache key: results change with it


CONFIGS = Path(__file__).parent / "configs"
SYSTEMS: dict[str, System] = {
    "rasa_default": System("Rasa default pipeline (`rasa init`)", rasa_system(rasa_init_config), rasa_init_config),
    "tfidf_nn": System("TF-IDF char n-grams, nearest neighbour", fit_tfidf),
    "diet": System("DIET (the project's pipeline until Dec 2026)", rasa_system(lambda: CONFIGS / "diet.yml"),
                   lambda: CONFIGS / "diet.yml"),
    "rasa_logreg": System("Rasa LogisticRegressionClassifier", rasa_system(lambda: CONFIGS / "rasa_logreg.yml"),
                          lambda: CONFIGS / "rasa_logreg.yml"),
    "project": System("project pipeline: linear SVM (one model, 5 languages)", rasa_system(lambda: CONFIG),
                      lambda: CONFIG),
    "project_capped": System("project pipeline, at most 200 training questions per answer and language",
                             rasa_system(lambda: CONFIGS / "capped.yml"), lambda: CONFIGS / "capped.yml"),
    "per_language": System("project pipeline, one model per language + router", fit_per_language,
                           lambda: CONFIG),
}


def config_text(system: System) -> str:
    return system.config().read_text(encoding="utf-8") if system.config else ""

