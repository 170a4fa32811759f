"""SWAD's review of every answer, per language.

A reviewer approves (or rejects) the exact text of one answer in one language. The record keeps
the reviewer, the date and a hash of that text, in `locales/<lang>/reviews.yml` (written by
`python -m bot review`, not by hand). When the text changes afterwards, the hash no longer matches
and the answer counts as "changed since review" until it is approved again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import yaml

APPROVED = "approved"
REJECTED = "rejected"
CHANGED = "changed since review"
UNREVIEWED = "unreviewed"
STATUSES = (APPROVED, CHANGED, REJECTED, UNREVIEWED)
FILE = "reviews.yml"
HEADER = ("# Review records, written by `python -m bot review approve|reject`. Do not edit by hand:\n"
          "# `hash` is the hash of the exact text that was reviewed.\n")


def text_hash(entry: dict) -> str:
    """Hash of an answer's exact wording (title, text and "more"), before placeholders."""
    wording = {part: entry.get(part, "") for part in ("title", "text", "more")}
    return hashlib.sha256(json.dumps(wording, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Record:
    status: str          # approved or rejected
    reviewer: str
    date: str            # ISO date
    hash: str
    note: str = ""


def status_of(record: Optional[Record], entry: dict) -> str:
    if record is None:
        return UNREVIEWED
    if record.status == REJECTED:
        return REJECTED
    return APPROVED if record.hash == text_hash(entry) else CHANGED


def parse(data: dict) -> dict[str, Record]:
    """Records from a loaded reviews.yml; raises ValueError naming the bad entry."""
    records = {}
    for answer_id, raw in (data or {}).items():
        if not isinstance(raw, dict) or raw.get("status") not in (APPROVED, REJECTED):
            raise ValueError(f"review of {answer_id!r} needs status approved or rejected")
        records[str(answer_id)] = Record(str(raw["status"]), str(raw.get("reviewer", "")),
                                         str(raw.get("date", "")), str(raw.get("hash", "")),
                                         str(raw.get("note", "") or ""))
    return records


def record(locales: Path, lang: str, answer_id: str, entry: dict, status: str, reviewer: str,
           note: str = "", today: Optional[dt.date] = None) -> Record:
    """Write one approval or rejection into locales/<lang>/reviews.yml and return it."""
    if not reviewer.strip():
        raise ValueError("a review needs the reviewer's name")
    path = locales / lang / FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    new = Record(status, reviewer.strip(), (today or dt.date.today()).isoformat(), text_hash(entry), note)
    data = dict(data or {})
    data[answer_id] = {k: v for k, v in asdict(new).items() if v != ""}
    body = yaml.safe_dump(dict(sorted(data.items())), allow_unicode=True, sort_keys=False, width=100)
    tmp = path.with_suffix(".yml.tmp")
    tmp.write_text(HEADER + body, encoding="utf-8")
    tmp.replace(path)   # atomic: the running assistant never reads half a file
    return new
