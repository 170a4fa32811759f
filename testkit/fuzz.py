"""Seeded generators of hostile input, shared by tests/test_fuzz.py (short runs) and bench/fuzz.py
(10,000+ per channel). The same seed gives the same inputs, so a failure can be replayed. Also the
REST contract both check (`check_rest`) and the seed they start from (`SEED`)."""
from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from typing import Any, Iterator

from testkit import fake_graph

SEED = 20261123   # tests/test_fuzz.py starts from it, bench/fuzz.py from SEED + 2
WORDS = {
    "nl": "mag de politie mijn huis in zonder toestemming zorgverzekering aangifte".split(),
    "en": "can the police enter my home do I need health insurance report".split(),
    "es": "puede la policía entrar en mi casa necesito seguro médico denuncia".split(),
    "pl": "czy policja może wejść do mojego domu muszę pokazać dowód ubezpieczenie".split(),
    "ro": "poate poliția să intre în casa mea trebuie să arăt buletinul asigurare".split(),
}
EMOJI = ["😀", "🙏🏽", "👩‍❤️‍👩", "🆘", "❤️", "🇳🇱", "💶", "🚓"]
RTL = ["مرحبا هل يمكنني", "שלום אני צריכה עזרה", "\u202eevil\u202c", "\u200f\u200e"]
INJECTIONS = ['{"sender": "other", "message": "x"}', '/language{"language": "xx"}', '/check_id{"a":', "/\x00",
              "/restart", "/session_start", '/language{"language": ["nl"]}', "<script>alert(1)</script>",
              '<img src=x onerror="alert(1)">', "'; DROP TABLE trackers; --", "${jndi:ldap://x}", "{{7*7}}",
              "%s%s%s%n", "../../etc/passwd", "\\u0000"]


def text(rng: random.Random) -> str:
    """One user text of a random hostile kind."""
    kind = rng.randrange(11)
    if kind == 0:
        return rng.choice(["", " ", "\n\t \r\n", "\u200b\u200b", "\u3000"])
    if kind == 1:   # up to 100 KB
        return " ".join(rng.choice(WORDS[rng.choice(list(WORDS))]) for _ in range(rng.randint(2000, 14000)))
    if kind == 2:   # control characters
        return "".join(chr(rng.randrange(32)) for _ in range(rng.randint(1, 40))) + rng.choice(["hi", ""])
    if kind == 3:
        return rng.choice(RTL) + " " + rng.choice(WORDS["en"])
    if kind == 4:
        return "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 30)))
    if kind == 5:
        return rng.choice(INJECTIONS)
    if kind == 6:   # mixed languages in one message
        return " ".join(rng.choice(WORDS[lang]) for lang in rng.choices(list(WORDS), k=rng.randint(2, 12)))
    if kind == 7:   # any code points, lone surrogates included
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(1, 60)))
    if kind == 8:
        return rng.choice(["112", "0", "9" * 400, "+31 6 12345678", "-1e308", "NaN"])
    if kind == 9:
        return rng.choice(["help me", "ajutor", "pomocy!!!", "socorro", "HE IS HURTING ME"]) + rng.choice(["", " 😭", "\x00"])
    return " ".join(rng.choice(WORDS[rng.choice(list(WORDS))]) for _ in range(rng.randint(1, 12))) + "?"


def dumps(value: Any) -> bytes:
    """JSON as a client would send it; lone surrogates go out as \\ud800 escapes."""
    return json.dumps(value).encode()


def rest_bodies(seed: int, count: int) -> Iterator[tuple[bytes, bool]]:
    """(raw body, well-formed?) for POST /webhooks/rest/webhook."""
    rng = random.Random(seed)
    for _ in range(count):
        if rng.random() < 0.6:
            body: dict[str, Any] = {"sender": f"fuzz-{seed}-{rng.randrange(50)}", "message": text(rng)}
            if rng.random() < 0.3:
                body["metadata"] = rng.choice([{}, {"language": rng.choice(["nl", "xx", "", None, 5])}, {"x": [1] * 50}])
            yield dumps(body), True
            continue
        yield rng.choice([
            b"", b"not json", b"\xff\xfe\x00{", b"[]", b"null", b"42", b'"text"', b'{"sender": "a", "message": "x"',
            dumps({"message": "hello"}), dumps({"sender": 5, "message": "x"}), dumps({"sender": "", "message": "x"}),
            dumps({"sender": "s" * 5000, "message": "x"}), dumps({"sender": "a", "message": 5}),
            dumps({"sender": "a", "message": ["x"]}), dumps({"sender": "a", "message": None}),
            dumps({"sender": "a", "message": "x", "metadata": "nl"}), dumps({"sender": ["a"], "message": "x"}),
            b'{"sender": "a", "message": "\xff\xfe"}', b"[" * 100_000 + b"]" * 100_000,
        ]), False


def whatsapp_messages(rng: random.Random, number: str) -> list[dict]:
    """1 to 3 user messages of Meta's shapes: text, button and list replies, media, odd types."""
    messages = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["text", "text", "interactive", "button", "image", "sticker", "reaction", "unknown_type"])
        item: dict[str, Any] = {"from": number, "id": f"wamid.{rng.getrandbits(64):x}", "timestamp": "1", "type": kind}
        if kind == "text":
            item["text"] = {"body": text(rng)}
        elif kind == "interactive":
            reply = rng.choice(["button_reply", "list_reply"])
            item["interactive"] = {"type": reply, reply: {"id": rng.choice(INJECTIONS + ["/menu", "/check_id"]),
                                                           "title": text(rng)[:20]}}
        elif kind == "button":
            item["button"] = {"payload": rng.choice(["/menu", "", None]), "text": text(rng)[:40]}
        else:
            item[kind] = {"id": "media-1"}
        messages.append(item)
    return messages


def whatsapp_bodies(seed: int, count: int) -> Iterator[tuple[Any, bool]]:
    """(notification body, well-formed?) for the WhatsApp webhook; bodies are JSON values or raw bytes."""
    rng = random.Random(seed)
    for _ in range(count):
        number = f"3161{rng.randrange(10**7):07d}"
        if rng.random() < 0.6:
            yield fake_graph.notification(*whatsapp_messages(rng, number)), True
            continue
        yield rng.choice([
            b"not json", b"\xff\xfe", b"[]", b"null", {"entry": "x"}, {"entry": [{"changes": {}}]}, {"entry": [42]},
            {"entry": [{"changes": [{"value": {"messages": [{"id": "wamid.X"}]}}]}]},
            {"entry": [{"changes": [{"value": {"messages": [42]}}]}]},
            {"entry": [{"changes": [{"value": {"messages": [{"id": 5, "from": number, "type": "text"}]}}]}]},
            {"entry": [{"changes": [{"value": {"messages": "many"}}]}]},
            {"entry": [{"changes": [{"value": {"messages": [{"id": "w", "from": number}] * 5000}}]}]},   # huge batch
            b"[" * 100_000 + b"]" * 100_000,
        ]), False


def post_raw(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def check_rest(webhook: str, bodies) -> dict[str, int]:
    """Send each body; assert the contract; count what happened."""
    seen = {"answered": 0, "refused": 0}
    for raw, well_formed in bodies:
        status, answer = post_raw(webhook, raw)
        assert status < 500, (status, raw[:200])
        if well_formed:
            assert status == 200, (status, raw[:200])
            messages = json.loads(answer)
            assert messages and (messages[0].get("text") or "").strip(), ("no answer", raw[:200])
            seen["answered"] += 1
        else:
            assert 400 <= status < 500, (status, raw[:200])
            seen["refused"] += 1
    return seen
