"""Text normalisation shared by the NLU (training and serving), language detection and the safety
lists. A training input (bot.training.INPUTS): changing it retrains the model.

- :func:`fold`: lowercase, no accents ("Ajutați" -> "ajutati"; ș, ş and s are one letter here);
- :func:`squeeze`: one letter for a run of the same letter ("helppp" -> "help");
- :func:`words`: a message as folded, squeezed words, the way the safety lists are matched.
"""
from __future__ import annotations

import re
import unicodedata

_EXTRA_FOLD = str.maketrans({"ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "đ": "d", "ı": "i"})
_TOKEN = re.compile(r"[\w*]+|\.\.", re.UNICODE)
_REPEATS = re.compile(r"([^\W\d_])\1+")


def fold(text: str) -> str:
    """Lowercase, without accents (ș, ş and s are one letter here)."""
    text = text.lower().translate(_EXTRA_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def squeeze(word: str) -> str:
    """One letter for a run of the same letter: "helppp" -> "help", "socorro" -> "socoro".
    Digits stay as they are ("112")."""
    return _REPEATS.sub(r"\1", word)


def tokens(text: str) -> list[str]:
    """Folded, squeezed tokens, keeping `*` and the gap mark `..` (for phrase patterns)."""
    return [squeeze(t) for t in _TOKEN.findall(fold(text).replace("_", " "))] if text else []


def words(text: str) -> list[str]:
    """A message as folded, squeezed words ("Ajutați-mă!!" -> ["ajutati", "ma"])."""
    return [t for t in tokens(text) if t not in ("*", "..")]
