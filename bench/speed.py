"""End-to-end latency, throughput and memory of the assistant, through its REST channel.

Real processes on 127.0.0.1: the action server and one Rasa server with the embedded endpoints
(in-memory tracker store), as `python -m bot run` starts them. Simulated users ask held-out
questions (tests/nlu/<lang>.yml) in their language, a new conversation every 10 messages. Each
concurrency level sends a bounded number of messages after a warm-up.

    .venv/bin/python -m bench.speed [--levels 1,8,32] [--stock-rasa]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, Optional

import httpx

from bench.telegram_overhead import percentile
from bot import services
from bot.config import LANGUAGES
from bot.training import ensure_model
from testkit.held_out import examples
from testkit.processes import command_line, descendants, rss_mb

LEVELS = (1, 8, 32)
TURNS_PER_CONVERSATION = 10
WARM_UP = 25     # messages from five users, one per language


def messages_for(level: int) -> int:
    """Bounded request counts: enough for a stable p99, short enough for a benchmark run."""
    return max(200, 20 * level)


def children(pattern: str) -> list[int]:
    """Pids of this process's descendants whose command line contains `pattern`."""
    return [pid for pid in descendants(os.getpid()) if pattern in command_line(pid)]


async def ask(client: httpx.AsyncClient, url: str, sender: str, message: str, errors: list[str]) -> float:
    """Send one message; a non-200 status, no reply or the "not working" reply is an error. ms."""
    started = time.perf_counter()
    try:
        answer = await client.post(url, json={"sender": sender, "message": message})
        replies = answer.json() if answer.status_code == 200 else []
        if not replies or (replies[0].get("custom") or {}).get("answer_id") == "service_unavailable":
            errors.append(f"status {answer.status_code}" if answer.status_code != 200 else "no answer")
    except httpx.HTTPError as error:
        errors.append(type(error).__name__)
    return (time.perf_counter() - started) * 1000


async def user(n: int, url: str, count: int, client: httpx.AsyncClient,
               latencies: list[float], errors: list[str]) -> None:
    rng = random.Random(n)
    questions = [text for _, text in examples(LANGUAGES[n % len(LANGUAGES)])]
    sender = ""
    for turn in range(count):
        if turn % TURNS_PER_CONVERSATION == 0:
            sender = uuid.UUID(int=rng.getrandbits(128)).hex
        latencies.append(await ask(client, url, sender, rng.choice(questions), errors))


async def level(url: str, concurrency: int, total: int, seed: int = 0) -> dict:
    """Send `total` messages from `concurrency` simultaneous users; latency in ms."""
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        share, rest = divmod(total, concurrency)
        await asyncio.gather(*(user(seed + n, url, share + (n < rest), client, latencies, errors)
                               for n in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"concurrency": concurrency, "messages": len(latencies), "errors": len(errors),
            "seconds": round(elapsed, 2), "throughput": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1)}


@contextmanager
def assistant(model: Path, stock_rasa: bool = False, extra_env: Optional[dict] = None) -> Iterator[services.Assistant]:
    """The assistant as `python -m bot run` starts it, with usage counting off and logs in a temp dir."""
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as folder, ExitStack() as stack:
        env = {"BOT_ID_SECRET": uuid.uuid4().hex, "BOT_USAGE_FILE": "off", **(extra_env or {})}
        action_url = stack.enter_context(services.action_server(log_dir=Path(folder), extra_env=env))
        yield stack.enter_context(services.rasa_server(
            model, action_url, log_dir=Path(folder), extra_env=env,
            rasa_module="rasa" if stock_rasa else "bot.rasa_process"))


def memory() -> dict:
    rasa = children("rasa run") + children("rasa_process run")
    actions = children("rasa_sdk")
    return {"rasa_mb": round(sum(rss_mb(p, "VmHWM") for p in rasa)),
            "actions_mb": round(sum(rss_mb(p, "VmHWM") for p in actions))}


GROWTH_TURNS = 300
GROWTH_WINDOWS = ((1, 10), (46, 55), (196, 205), (291, 300))


async def growth(url: str, turns: int = GROWTH_TURNS, seed: int = 3) -> list[dict]:
    """One long conversation: the median time per message in windows of turns (it must stay flat:
    a fieldworker's all-day demo or a user who writes a lot must not slow everyone down)."""
    rng = random.Random(seed)
    questions = [text for lang in LANGUAGES for _, text in examples(lang)]
    sender = uuid.UUID(int=rng.getrandbits(128)).hex
    errors: list[str] = []
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(turns):
            latencies.append(await ask(client, url, sender, rng.choice(questions), errors))
    return [{"turns": f"{a}-{b}", "median_ms": round(statistics.median(latencies[a - 1:b]), 1),
             "errors": len(errors)} for a, b in GROWTH_WINDOWS if b <= len(latencies)]


def parts(model: Path) -> dict:
    """In-process cost per message of the project's own steps, on the held-out questions: the
    language classifier on the whole message, the whole detection that runs per message (the
    classifier on the message and on the clauses of a mixed one, terms, lingua for another
    language; issue: the classifier may add at most 1 ms p50), the safety model and the safety
    phrase lists. Milliseconds."""
    from bot.knowledge import load
    from bot.language import detect
    from bot.nlu import safety_classifier
    from bot.nlu.language_id import LanguageId
    from bot.nlu.pickled import from_archive

    classifier = LanguageId.from_model(model)
    safety_model = from_archive(model, safety_classifier.MODEL_FILE)
    matcher = load().safety
    texts = [text for lang in LANGUAGES for _, text in examples(lang)]

    def cost(step) -> dict:
        for text in texts[:20]:
            step(text)                          # warm caches
        times = []
        for text in texts:
            started = time.perf_counter()
            step(text)
            times.append((time.perf_counter() - started) * 1000)
        return {"p50_ms": round(statistics.median(times), 3), "p95_ms": round(percentile(times, 95), 3)}

    return {"messages": len(texts),
            "language_classifier": cost(classifier.probabilities) if classifier else None,
            "language_detection": cost(lambda text: detect(text, classifier)) if classifier else None,
            "safety_model": cost(lambda text: safety_model.scores([text])) if safety_model else None,
            "safety_lists": cost(matcher.assess)}


def measure(model: Optional[Path] = None, levels: tuple[int, ...] = LEVELS, stock_rasa: bool = False,
            total: Optional[int] = None, extra_env: Optional[dict] = None, with_growth: bool = True) -> dict:
    """Latency per concurrency level, per turn of one long conversation, and peak memory."""
    model = model or ensure_model()
    with assistant(model, stock_rasa, extra_env) as running:
        asyncio.run(level(running.webhook, len(LANGUAGES), WARM_UP, seed=1000))
        results = [asyncio.run(level(running.webhook, c, total or messages_for(c))) for c in levels]
        long_conversation = asyncio.run(growth(running.webhook)) if with_growth else []
        peak = memory()
    return {"levels": results, "growth": long_conversation, **peak,
            **({} if stock_rasa else {"parts": parts(model)})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    parser.add_argument("--stock-rasa", action="store_true", help="without the fixes in bot.rasa_process")
    parser.add_argument("--no-growth", action="store_true", help="skip the 300-turn conversation")
    args = parser.parse_args()
    result = measure(levels=tuple(int(x) for x in args.levels.split(",")), stock_rasa=args.stock_rasa,
                     with_growth=not args.no_growth)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
