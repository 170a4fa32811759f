"""pywa's webhook parsing on the WhatsApp payload suite, next to ours (by hand; for docs/whatsapp.md).

pywa is not a dependency of the project, so this runs in a throwaway venv:

    python3.10 -m venv /tmp/pywa-eval && /tmp/pywa-eval/bin/pip install pywa==4.5.0 httpx==0.28.1 pyyaml
    PYTHONPATH=. /tmp/pywa-eval/bin/python tests/payloads/compare_pywa.py

For each payload it asks: would a gateway built on pywa's parsing get what it needs to do what
`expect` says? That is: pywa builds an update without an exception; for a user message, it names
the sender (phone number or business-scoped user id) and the text (typed, caption or button
data); for what must stay silent, it tells it apart from a user message (status, reaction,
deletion, edit, system notice); and every message of a batched notification is seen (pywa builds
one update from the first message of the first entry and change).
"""
from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pywa import WhatsApp
from pywa.types import RawUpdate

from tests.payloads import items, load, print_counts

SILENT_TYPES = {"MessageStatus", "GroupMessageStatuses", "DeletedMessage", "EditedMessage", "PhoneNumberChange",
                "IdentityChange", "AccountUpdate"}


def text_of(update) -> str | None:
    for attribute in ("text", "caption", "data"):
        value = getattr(update, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def judge(wa: WhatsApp, doc: dict) -> str:
    raw = RawUpdate(json.dumps(doc["payload"]).encode(), hmac_header=None, update_hash="x")
    messages = list(items(doc["payload"]))
    try:
        handler = wa._get_handler_type(raw)
        update = wa._handlers_to_updates[handler].from_update(client=wa, update=raw) if handler else None
    except Exception as err:  # noqa: BLE001 - what pywa raises is what we measure
        return f"no update ({type(err).__name__})"
    kind = type(update).__name__ if update is not None else "nothing"
    expect = doc["expect"]
    if expect == "silent":
        reaction = kind == "Message" and str(getattr(update, "type", "")).endswith("reaction")
        return "" if update is None or kind in SILENT_TYPES or reaction else f"taken for a user message ({kind})"
    if update is None or kind in SILENT_TYPES:
        return f"user message not recognised ({kind})"
    user = getattr(update, "from_user", None)
    if not (getattr(user, "wa_id", None) or getattr(user, "bsuid", None)):
        return "no sender id"
    if expect == "answer" and not text_of(update):
        return "no text"
    if len(messages) > 1:
        return f"{len(messages) - 1} of {len(messages)} messages of the batch not seen"
    return ""


def main() -> None:
    logging.disable(logging.CRITICAL)
    wa = WhatsApp(phone_id="106540352242922", token="x", server=None, verify_token=None, validate_updates=False)
    counts: Counter = Counter()
    for name, doc in load("whatsapp"):
        problem = judge(wa, doc)
        counts["payloads"] += 1
        if problem:
            counts["mishandled"] += 1
            counts[f"{doc['expect']}: {problem}"] += 1
            print(f"{name}: expected {doc['expect']}, {problem}", file=sys.stderr)
    print_counts("pywa, WhatsApp", counts)


if __name__ == "__main__":
    main()
