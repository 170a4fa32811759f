"""Privacy-preserving usage counts for content editors.

Per day, language and answer id: how often it was given (fallbacks included). Nothing else is
stored: no ids, no texts, no times finer than a day. One small JSON file per action server
(`BOT_USAGE_FILE`); several replicas each keep their own and the report adds them up.
`BOT_USAGE_FILE=off` counts nothing (the fieldworker demo, where nothing may be stored).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
from pathlib import Path
from typing import Iterable, Optional

from bot.config import settings
from bot.paths import ROOT

DEFAULT_FILE = ROOT / ".rasa" / "usage.json"


OFF = "off"


def usage_file() -> Optional[Path]:
    """Where counts are kept, or None when counting is switched off."""
    configured = settings().usage_file or str(DEFAULT_FILE)
    return None if configured.strip().lower() == OFF else Path(configured)


def count(pairs: Iterable[tuple[str, str]], path: Optional[Path] = None, day: Optional[dt.date] = None) -> None:
    """Add one to each (answer_id, language) for today (nothing when counting is off)."""
    path = path or usage_file()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    key = (day or dt.date.today()).isoformat()
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = read(path)
        today = data.setdefault(key, {})
        for answer_id, lang in pairs:
            per_lang = today.setdefault(str(lang), {})
            per_lang[str(answer_id)] = per_lang.get(str(answer_id), 0) + 1
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        tmp.replace(path)


def read(path: Optional[Path] = None) -> dict:
    path = path or usage_file()
    if path is None:
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def rows(path: Optional[Path] = None) -> list[tuple[str, str, str, int]]:
    """(day, language, answer id, count), sorted, for printing and the content report."""
    data = read(path)
    return [(day, lang, answer_id, n) for day in sorted(data) for lang in sorted(data[day])
            for answer_id, n in sorted(data[day][lang].items())]
