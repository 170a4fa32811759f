"""How long does an edited answer take to reach users of the running assistant?

Starts the assistant (trained model, action server, Rasa REST channel) on a copy of locales/,
then edits one answer text several times. For each edit it asks the question in a loop and
records the time from saving the file to receiving the edited reply (the request included).
The issue's target is 2 seconds; the action server checks the files at most once a second.

    .venv/bin/python -m bench.live_edit [--edits 10]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bot import knowledge, services
from bot.paths import LOCALES
from bot.training import ensure_model


def seconds_until_served(assistant: services.Assistant, path: Path, old: str, new: str, sender: str) -> float:
    """Save the edit, then ask until the reply carries it; seconds from save to that reply."""
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    saved = time.monotonic()
    while not assistant.send(sender, "/check_id")[0]["text"].startswith(new):
        if time.monotonic() - saved > 30:
            raise SystemExit("the edit was not served within 30 s")
        time.sleep(0.02)
    return time.monotonic() - saved


def measure(edits: int = 10) -> dict:
    """Seconds from saving an edit to the first reply that shows it, for `edits` edits."""
    with tempfile.TemporaryDirectory() as folder:
        locales = Path(folder) / "locales"
        shutil.copytree(LOCALES, locales)
        path = locales / "en" / "answers.yml"
        current = knowledge.load(locales).answers["en"]["check_id"]["text"].splitlines()[0]
        env = {"BOT_ID_SECRET": uuid.uuid4().hex, "BOT_LOCALES_DIR": str(locales), "BOT_USAGE_FILE": "off"}
        with services.running(ensure_model(), extra_env=env) as assistant:
            sender = uuid.uuid4().hex
            assistant.send(sender, '/language{"language": "en"}')
            times = []
            for n in range(edits):
                edited = f"EDIT {n} {current}"
                times.append(seconds_until_served(assistant, path, current, edited, sender))
                current = edited
                time.sleep(0.3)   # spread the saves over the check interval
    return {"edits": edits, "median_s": round(statistics.median(times), 2), "max_s": round(max(times), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()
    result = measure(args.edits)
    print(f"live edit to served reply ({args.edits} edits): median {result['median_s']:.2f} s, "
          f"max {result['max_s']:.2f} s")


if __name__ == "__main__":
    main()
