"""A small terminal chat against the REST channel: buttons are shown as numbers to type."""
from __future__ import annotations

import uuid
from typing import Callable, TextIO

Send = Callable[[str, str], list]


def render(messages: list[dict]) -> tuple[str, list[str]]:
    """Bot messages as terminal text, plus the payload of each numbered button."""
    lines, payloads = [], []
    for message in messages:
        if message.get("text"):
            lines.append(message["text"])
        for button in message.get("buttons") or []:
            payloads.append(button["payload"])
            lines.append(f"  [{len(payloads)}] {button['title']}")
        lines.append("")
    return "\n".join(lines), payloads


def chat(send: Send, reader: Callable[[str], str] = input, out: TextIO | None = None) -> None:
    """Loop until Ctrl-D, Ctrl-C or /quit. A number presses the matching button."""
    import sys

    out = out or sys.stdout
    sender = uuid.uuid4().hex   # a fresh pseudonymous id per session
    print("Type a question in Dutch, English, Spanish, Polish or Romanian. /quit to stop.\n", file=out)
    payloads: list[str] = []
    text = "/greet"
    while True:
        try:
            shown, payloads = render(send(sender, text))
        except OSError as err:
            print(f"(the assistant did not answer: {err})", file=out)
            shown = ""
        print(shown, file=out, flush=True)
        try:
            typed = reader("you> ")
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return
        if typed.strip() == "/quit":
            return
        choice = typed.strip()
        text = payloads[int(choice) - 1] if choice.isdigit() and 0 < int(choice) <= len(payloads) else typed
