"""SWAD's review of every answer and every safety phrase list, per language.

A reviewer approves (or rejects) the exact wording of one answer (or one safety phrase list) in one
language. The record keeps the reviewer, the date, a hash of that wording and the wording itself,
in `locales/<lang>/reviews.yml` (written by `python -m bot review` or the review desk, never by
hand). When the wording changes afterwards, the hash no longer matches and the answer counts as
"changed since review" until it is approved again; the kept wording shows what changed.

Keys are answer ids, or `safety:<list>` for a phrase list of `safety.yml` (`safety:danger`).
Records written before the wording was kept (no `reviewed:`) stay valid; they only cannot show a
diff.

Two reviewers (or the desk and the command line) may write at the same moment: every write takes
an exclusive lock on the language folder, re-reads the file under it and replaces the file
atomically, so no record is lost and the running assistant never reads half a file.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import yaml

APPROVED = "approved"
REJECTED = "rejected"
CHANGED = "changed since review"
UNREVIEWED = "unreviewed"
STATUSES = (APPROVED, CHANGED, REJECTED, UNREVIEWED)
FILE = "reviews.yml"
SAFETY_PREFIX = "safety:"
PARTS = ("title", "text", "more")
HEADER = ("# Review records, written by `python -m bot review approve|reject` or the review desk\n"
          "# (`python -m bot review-desk`). Do not edit by hand: `hash` is the hash of the exact wording\n"
          "# that was reviewed, `reviewed` that wording. Keys: answer ids, or safety:<list> for safety.yml.\n")

#: An answer's parts ({title, text, more}) or a safety phrase list.
Wording = Union[dict, list]


class TextChanged(ValueError):
    """The wording on disk is not the wording the reviewer read: nothing was recorded."""


def safety_key(list_name: str) -> str:
    return SAFETY_PREFIX + list_name


def is_safety_key(key: str) -> bool:
    return key.startswith(SAFETY_PREFIX)


def wording(entry: Wording) -> Wording:
    """What a review is about: an answer's title, text and "more" (placeholders unfilled), or the
    phrases of a safety list in their order."""
    if isinstance(entry, (list, tuple)):
        return [str(p) for p in entry]
    return {part: str(entry[part]) for part in PARTS if entry.get(part)}


def text_hash(entry: Wording) -> str:
    """Hash of an answer's exact wording (title, text and "more", before placeholders), or of a
    safety list's phrases."""
    if isinstance(entry, (list, tuple)):
        data: Any = [str(p) for p in entry]
    else:
        data = {part: entry.get(part, "") for part in PARTS}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Record:
    status: str          # approved or rejected
    reviewer: str
    date: str            # ISO date
    hash: str
    note: str = ""
    reviewed: Optional[Wording] = None   # the reviewed wording (None in records written before it was kept)


def status_of(record: Optional[Record], entry: Wording) -> str:
    if record is None:
        return UNREVIEWED
    if record.status == REJECTED:
        return REJECTED
    return APPROVED if record.hash == text_hash(entry) else CHANGED


def parse(data: dict) -> dict[str, Record]:
    """Records from a loaded reviews.yml; raises ValueError naming the bad entry."""
    records = {}
    for key, raw in (data or {}).items():
        if not isinstance(raw, dict) or raw.get("status") not in (APPROVED, REJECTED):
            raise ValueError(f"review of {key!r} needs status approved or rejected")
        reviewed = raw.get("reviewed")
        if reviewed is not None:
            if is_safety_key(str(key)) and not isinstance(reviewed, list):
                raise ValueError(f"review of {key!r}: `reviewed` must be the list of phrases")
            if not is_safety_key(str(key)) and not isinstance(reviewed, dict):
                raise ValueError(f"review of {key!r}: `reviewed` must have the answer's title, text and more")
            reviewed = wording(reviewed)
        records[str(key)] = Record(str(raw["status"]), str(raw.get("reviewer", "")), str(raw.get("date", "")),
                                   str(raw.get("hash", "")), str(raw.get("note", "") or ""), reviewed)
    return records


class _Dumper(yaml.SafeDumper):
    """Multi-line texts as readable `|` blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on a language folder, across processes (the lock goes with the process)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".reviews-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)   # atomic: readers see the old file or the new one, never half
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record(locales: Path, lang: str, answer_id: str, entry: Wording, status: str, reviewer: str,
           note: str = "", today: Optional[dt.date] = None, seen_hash: Optional[str] = None) -> Record:
    """Write one approval or rejection into locales/<lang>/reviews.yml and return it.

    `answer_id` is an answer id or a :func:`safety_key`; `entry` its current wording. With
    `seen_hash` (the hash of the wording the reviewer read) nothing is written, and
    :class:`TextChanged` raised, when the wording is no longer that one."""
    if status not in (APPROVED, REJECTED):
        raise ValueError(f"status must be {APPROVED} or {REJECTED}")
    if not reviewer.strip():
        raise ValueError("a review needs the reviewer's name")
    if status == REJECTED and not note.strip():
        raise ValueError("a rejection needs a comment saying why")
    if seen_hash is not None and seen_hash != text_hash(entry):
        raise TextChanged(f"the wording of {answer_id!r} ({lang}) changed since it was read")
    new = Record(status, reviewer.strip(), (today or dt.date.today()).isoformat(), text_hash(entry),
                 note.strip(), wording(entry))
    path = locales / lang / FILE
    with locked(path.parent):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
        data = dict(data or {})
        data[answer_id] = {k: v for k, v in vars(new).items() if v not in ("", None)}
        body = yaml.dump(dict(sorted(data.items())), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                         width=100)
        _write_atomically(path, HEADER + body)
    return new


def subjects(k: Any) -> Iterator[tuple[str, str, str, int, str]]:
    """(lang, key, file, line, status) of everything that needs a review: every answer, then every
    non-empty safety list, per language. `k` is a loaded :class:`bot.knowledge.Knowledge`."""
    for lang in k.answers:
        for answer_id in k.answers[lang]:
            yield (lang, answer_id, f"locales/{lang}/answers.yml", k.lines.get((lang, answer_id), 1),
                   k.review_status(answer_id, lang))
        for name, phrases in k.safety_lists.get(lang, {}).items():
            if phrases:
                key = safety_key(name)
                yield (lang, key, f"locales/{lang}/safety.yml", k.lines.get((lang, key), 1),
                       k.safety_review_status(name, lang))
