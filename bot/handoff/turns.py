"""The dialogue's side of a live handoff: the offer, consent, relaying while handed off, stopping.

Plain Python, run by the action server at the end of `bot.dialogue.handle`, after the turn's own
replies are decided: safety answers stay first and are never held back or replaced. This side
never sees the staff chat, a case or an id. The gateway says in the message metadata `handoff`
whether a person can be asked now; this side says in a reply's `custom.handoff` what the gateway
must do (a directive). Without the metadata (handoff off, the demo, the terminal chat) nothing
here changes a turn.

metadata `handoff`, set by a gateway with handoff switched on:

| value | meaning |
|---|---|
| `available` | staff can be asked now (within their hours) |
| `outside_hours` | outside the staff's hours |
| `unreachable` | the case store cannot be reached right now |
| `active` | this user is handed off: a case is open |

directives `custom.handoff = {"do": ...}`:

| do | when | with |
|---|---|---|
| `open` | the user consented | `language`, `recent` (the last answer ids) |
| `relay` | a typed message while handed off | `safety` (answers sent first), `suggest` (the knowledge base's) |
| `end` | the user typed a stop word or tapped "back to the bot" | |
| `forget` | "forget me" was confirmed | |
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

from bot import replies
from bot.config import FALLBACK_LANGUAGE
from bot.knowledge import Knowledge
from bot.replies import Reply
from bot.safety import CATEGORIES as SAFETY_CATEGORIES
from bot.text import words

if TYPE_CHECKING:   # bot.dialogue imports this module
    from bot.dialogue import Outcome, Turn

STATES: tuple[str, ...] = ("available", "outside_hours", "unreachable", "active")
#: The entity of the handoff buttons: /help_human{"handoff": "start"} and {"handoff": "stop"}.
ENTITY = "handoff"
START, STOP = "start", "stop"
#: How many of the bot's last answers staff see on a new case.
RECENT = 3
SAFETY_ANSWERS = frozenset(SAFETY_CATEGORIES.values())
#: Turns that work as usual while handed off: deleting the conversation is never held up.
FORGET_KINDS = ("forget_ask", "forget", "forget_cancel")


# ------------------------------------------------------------------- from the tracker (actions)
def state_of(metadata: Any) -> Optional[str]:
    value = metadata.get(ENTITY) if isinstance(metadata, Mapping) else None
    return value if value in STATES else None


def recent_answers(events: Iterable[Any]) -> tuple[str, ...]:
    """The answer ids of the bot's last messages (newest last, each once), from tracker events."""
    found: list[str] = []
    for event in events or ():
        if not isinstance(event, Mapping) or event.get("event") != "bot":
            continue
        custom = (event.get("data") or {}).get("custom") if isinstance(event.get("data"), Mapping) else None
        answer_id = custom.get("answer_id") if isinstance(custom, Mapping) else None
        if isinstance(answer_id, str) and answer_id:
            if answer_id in found:
                found.remove(answer_id)
            found.append(answer_id)
    return tuple(found[-RECENT:])


def turn_fields(metadata: Any, events: Iterable[Any]) -> dict[str, Any]:
    """The Turn fields of a handoff (bot.dialogue.Turn `handoff`, `recent_answers`)."""
    state = state_of(metadata)
    return {"handoff": state, "recent_answers": recent_answers(events) if state else ()}


# ------------------------------------------------------------------------------------ buttons
def start_payload() -> str:
    return replies.payload("help_human", **{ENTITY: START})


def stop_payload() -> str:
    return replies.payload("help_human", **{ENTITY: STOP})


def stop_button(k: Knowledge, lang: str) -> tuple[str, str]:
    return (k.handoff_text("buttons", "stop", lang), stop_payload())


def user_text(k: Knowledge, key: str, lang: str, answer_id: Optional[str] = None,
              buttons: tuple[tuple[str, str], ...] = (), handoff: Optional[dict] = None) -> Reply:
    """One of the user texts of handoff.yml as a reply (answer id `handoff_<key>`)."""
    return Reply(k.handoff_text("user", key, lang), answer_id or f"handoff_{key}", lang, buttons, handoff=handoff)


def referral(k: Knowledge, key: str, lang: str) -> list[Reply]:
    """A short note (`outside_hours`, `unreachable`, `unclaimed`) and today's referral answer."""
    return [user_text(k, key, lang), replies.answer(k, "help_human", lang)]


# ------------------------------------------------------------------------------------- the turn
def after_turn(turn: Turn, k: Knowledge, out: Outcome) -> Outcome:
    """The turn's replies with the handoff's part added (see the module docstring)."""
    state = turn.handoff
    if state is None:
        return out
    if out.forget:
        out.replies = [replace(r, handoff={"do": "forget"}) if r.answer_id == "forget_me" else r
                       for r in out.replies]
        return out
    lang = out.language or FALLBACK_LANGUAGE
    step = turn.entities.get(ENTITY)
    safety = [r for r in out.replies if r.answer_id in SAFETY_ANSWERS]
    if state == "active":
        return _handed_off(turn, k, out, lang, step, safety)
    if step == START:
        if state == "available":
            directive = {"do": "open", "language": lang,
                         "recent": [a for a in turn.recent_answers if k.has_answer(a)]}
            out.replies = safety + [user_text(k, "connecting", lang, buttons=(stop_button(k, lang),),
                                              handoff=directive)]
        else:
            out.replies = safety + referral(k, state, lang)
        return out
    at = next((i for i, r in enumerate(out.replies) if r.answer_id == "help_human"), None)
    if at is not None and state == "available":
        offer = user_text(k, "offer", lang, buttons=((k.handoff_text("buttons", "start", lang), start_payload()),))
        out.replies.insert(at + 1, offer)
    elif at is not None:
        out.replies.insert(at, user_text(k, state, lang))
    return out


def _handed_off(turn: Turn, k: Knowledge, out: Outcome, lang: str, step: Optional[str],
                safety: list[Reply]) -> Outcome:
    """While a case is open, what the user types goes to staff; safety answers still come first."""
    if turn.kind in FORGET_KINDS:
        return out
    if step == STOP or (not turn.is_payload and " ".join(words(turn.text)) in k.handoff_stop_words()):
        end = user_text(k, "ended_by_user", lang, buttons=replies.topic_buttons(k, lang), handoff={"do": "end"})
        out.replies = safety + [end]
        return out
    if step == START:
        out.replies = safety + [user_text(k, "already_open", lang, buttons=(stop_button(k, lang),))]
        return out
    if turn.is_payload:   # a button of an earlier message: answered by the bot as usual
        return out
    intent = turn.intent or ""
    suggest = intent if turn.kind == "answer" and k.has_answer(intent) and intent not in SAFETY_ANSWERS else None
    relay = Reply("", "handoff_relay", lang, handoff={
        "do": "relay", "safety": [r.answer_id for r in safety], "suggest": suggest})
    # a photo or voice message: staff are told something came, the user that only text is read
    media = [r for r in out.replies if r.answer_id == "not_text"]
    out.replies = safety + media + [relay]
    out.last_answer = safety[-1].answer_id if safety else turn.last_answer
    out.pending_answer = None
    return out
