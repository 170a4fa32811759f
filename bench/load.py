"""Load test of the production set-up: 50 simulated users for 60 s on two Rasa replicas.

Real processes on 127.0.0.1: a Redis server, one action server and two Rasa replicas with
endpoints.production.yml (Redis tracker and lock store), as tests/test_replicas.py starts them.
Each user holds one conversation in one of the five languages and asks held-out questions
(tests/nlu/<lang>.yml) one after the other, its messages spread over both replicas. Bounded:
a fixed number of users and a fixed duration. An error is a non-200 status, an empty reply or the
"not working right now" reply.

    .venv/bin/python -m bench.load [--users 50] [--seconds 60]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.speed import ask
from bench.telegram_overhead import percentile
from bot import services
from bot.config import LANGUAGES
from bot.paths import ROOT
from bot.services import free_port
from bot.training import ensure_model
from testkit.held_out import examples
from testkit.redis_server import start_redis


async def user(n: int, urls: list[str], deadline: float, client: httpx.AsyncClient,
               latencies: list[float], errors: list[str]) -> None:
    rng = random.Random(n)
    lang = LANGUAGES[n % len(LANGUAGES)]
    questions = [text for _, text in examples(lang)]
    sender = uuid.uuid4().hex
    turn = 0
    while time.monotonic() < deadline:
        url = urls[(n + turn) % len(urls)]
        message = f'/language{{"language": "{lang}"}}' if turn == 0 else rng.choice(questions)
        latencies.append(await ask(client, url, sender, message, errors))
        turn += 1


async def load(urls: list[str], users: int, seconds: float) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.monotonic()
        await asyncio.gather(*(user(n, urls, started + seconds, client, latencies, errors) for n in range(users)))
        return latencies, errors, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        redis_port = free_port()
        redis = start_redis(Path(folder), redis_port)
        stack.callback(redis.terminate)
        env = {"BOT_ID_SECRET": uuid.uuid4().hex, "BOT_USAGE_FILE": "off", "REDIS_HOST": "127.0.0.1",
               "REDIS_PORT": str(redis_port), "REDIS_PASSWORD": ""}
        action_url = stack.enter_context(services.action_server(log_dir=Path(folder), extra_env=env))
        replicas = [stack.enter_context(services.rasa_server(
            ensure_model(), action_url, log_dir=Path(folder), extra_env=env,
            endpoints_file=ROOT / "endpoints.production.yml", name=f"rasa-{name}")) for name in "ab"]
        latencies, errors, elapsed = asyncio.run(load([r.webhook for r in replicas], args.users, args.seconds))

    print(f"{args.users} users, {elapsed:.0f} s, 2 Rasa replicas + 1 action server + Redis on 2 cores")
    print(f"messages: {len(latencies)}, errors: {len(errors)} {sorted(set(errors))}")
    print(f"throughput: {len(latencies) / elapsed:.1f} messages/s in total")
    print(f"latency: p50 {statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, "
          f"p99 {percentile(latencies, 0.99):.0f} ms")


if __name__ == "__main__":
    main()
