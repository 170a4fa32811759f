"""Understanding of unseen questions: the blind first messages (`bench/data/first_messages/<round>/`),
written by helpers who never saw the training data, each labelled with the answer that fits.

Right / fallback ("please rephrase") / wrong answer per language, for all labelled questions and
separately for the four newest answers (work_tax, housing_eviction, law_wrs, crisis_suicide).

The writers' brief described work_tax loosely ("tax ... self-employed / KvK"), while the catalog
answers KvK registration, address shielding and opting-in separately. So a second helper, who saw
only the catalog and the labelled messages (never the bot or its answers), listed for every
new-answer message each catalog answer that answers it (`<round>/catalog/<lang>.yml`, brief in
`catalog-check-brief.md`). "catalog-checked" counts an answer from that list as right; messages
no catalog answer covers are left out of it. Both numbers are reported.

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


def accepted(lang: str, round_name: str) -> dict[str, list[str]]:
    """{text: the catalog answers that answer it} from the catalog check, if the round has one."""
    path = FIRST / round_name / "catalog" / f"{lang}.yml"
    if not path.is_file():
        return {}
    items = yaml.safe_load(path.read_text(encoding="utf-8")).get("items") or []
    return {str(item["text"]): [str(a) for a in item.get("accepted") or []] for item in items}


def checked_rate(rows: list[tuple[str, str, str]], answer: str, ok: dict[str, list[str]]) -> Optional[float]:
    """Share right by the catalog check, for one labelled answer: (text, label, predicted) rows."""
    judged = [(ok[text], p) for text, t, p in rows if t == answer and ok.get(text)]
    return sum(p in good for good, p in judged) / len(judged) if judged else None


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
            ok = accepted(lang, round_name)
            if ok:
                triples = [(text, truth, p) for (text, truth), p in zip(rows, predicted)]
                for answer in NEW_ANSWERS:
                    out["new_answers"][lang][answer]["right_catalog_checked"] = checked_rate(triples, answer, ok)
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
