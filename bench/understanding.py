"""Understanding of unseen questions: the blind first messages (`bench/data/first_messages/<round>/`),
written by helpers who never saw the training data, each labelled with the answer that fits.

Right / fallback ("please rephrase") / wrong answer per language, for all labelled questions and
separately for the four newest answers (work_tax, housing_eviction, law_wrs, crisis_suicide).

    .venv/bin/python -m bench.understanding [--round round2] [--model MODEL]
"""
from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Optional

import yaml

from bench.reply_language import FIRST, rounds
from bot.config import LANGUAGES

NEW_ANSWERS = ("work_tax", "housing_eviction", "law_wrs", "crisis_suicide")
LABELLED = ("questions", "named", "new_answers")


def labelled(lang: str, round_name: str) -> list[tuple[str, str]]:
    """(text, answer id) of one language's blind first messages."""
    data = yaml.safe_load((FIRST / round_name / f"{lang}.yml").read_text(encoding="utf-8"))
    return [(str(item["text"]), str(item["answer"])) for kind in LABELLED for item in data.get(kind) or []
            if isinstance(item, dict)]   # round 4's named questions carry no answer: language only


def rates(pairs: list[tuple[str, str]]) -> dict:
    n = len(pairs) or 1
    right = sum(t == p for t, p in pairs)
    fallback = sum(p == "nlu_fallback" != t for t, p in pairs)
    return {"n": len(pairs), "right": right / n, "fallback": fallback / n, "wrong": (n - right - fallback) / n}


def measure(round_name: Optional[str] = None, model: Optional[Path] = None) -> dict:
    from rasa.core.agent import Agent

    from bot.services import quiet_rasa_logging
    from bot.training import ensure_model

    quiet_rasa_logging()
    round_name = round_name or rounds()[-1]
    agent = Agent.load(str(model or ensure_model()))
    loop = asyncio.new_event_loop()
    out: dict = {"round": round_name, "all": {}, "new_answers": {}}
    try:
        for lang in LANGUAGES:
            rows = labelled(lang, round_name)
            predicted = [loop.run_until_complete(agent.parse_message(text))["intent"]["name"] for text, _ in rows]
            pairs = [(truth, p) for (_, truth), p in zip(rows, predicted)]
            out["all"][lang] = rates(pairs)
            out["new_answers"][lang] = {answer: rates([(t, p) for t, p in pairs if t == answer])
                                        for answer in NEW_ANSWERS}
    finally:
        loop.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", default=None, help=f"one of {rounds()}")
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    print(json.dumps(measure(args.round, Path(args.model) if args.model else None), indent=1))


if __name__ == "__main__":
    main()
