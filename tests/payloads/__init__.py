"""Real webhook payloads (tests/payloads/{telegram,whatsapp}/*.json) and what the gateways must do
with each. Every file names its public source (`source`, `where`) and what was changed to fit the
local fakes (`changed`); `expect` is one of:

- "answer"    the user typed or tapped something: it reaches the assistant as text (a caption,
              a button's payload: `message`, when given, is exactly what must arrive) and the
              answer goes back to the sender (`reply_to`, when given, names the address field);
- "not_text"  media without a caption, a location, a sticker...: the assistant is told the kind
              and answers with its "I can read text only" text;
- "silent"    not typed or tapped by the user (a reaction, a deletion, an edit, a status, a
              system or service notice, a member change): acknowledged, nothing relayed or sent;
- "notice"    Telegram group, supergroup or channel: one `group_notice` to that chat, nothing
              relayed;
- "refused"   not an update at all: 400.

`load()` reads them; tests/test_payloads.py runs each through the real gateways, and
compare_pywa.py (run by hand) puts pywa's parser to the same suite (docs/whatsapp.md).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Mapping

HERE = Path(__file__).parent
EXPECTATIONS = ("answer", "not_text", "silent", "notice", "refused")
#: Fields whose values are personal data in a real payload (ids, numbers, names, what was said).
PERSONAL_KEYS = {"id", "from", "wa_id", "user_id", "from_user_id", "parent_user_id", "recipient_id", "username",
                 "first_name", "last_name", "name", "text", "body", "caption", "title", "phone_number"}


def load(channel: str) -> list[tuple[str, dict]]:
    """(name, document) of every payload of `channel`, sorted by name."""
    found = []
    for path in sorted((HERE / channel).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["expect"] in EXPECTATIONS and doc["source"].startswith("https://"), path
        found.append((path.stem, doc))
    return found


def personal_strings(payload: Any, min_length: int = 6) -> set[str]:
    """Values that must never reach a log: ids, numbers, usernames, names and texts (long enough
    not to be a common word or a log's own digits)."""
    found: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif key in PERSONAL_KEYS and not isinstance(value, bool) and len(str(value)) >= min_length:
            found.add(str(value))

    walk(payload)
    return found


def items(payload: Any) -> Iterator[dict]:
    """The WhatsApp messages of a notification body."""
    for entry in payload.get("entry", []):
        for change in entry.get("changes", []):
            yield from (change.get("value") or {}).get("messages") or []


def print_counts(label: str, counts: Mapping[str, int]) -> None:
    """How many payloads were mishandled, then each kind of mishandling (`"<expect>: <problem>"`)."""
    print(f"{label}: {counts['mishandled']} of {counts['payloads']} payloads mishandled")
    for what, number in sorted(counts.items()):
        if ":" in what:
            print(f"  {number:3d}  {what}")
