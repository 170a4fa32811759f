"""WhatsApp command words: WhatsApp has no command menu like Telegram's, so a message that is only
a command word ("menu", "Menú", "zapomnij mnie") works like the button of that command.

The words are content (locales/<lang>/commands.yml, read at start-up). A word that is also a cry
for help in any language's safety list is never a command: the assistant must see that text.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

import yaml

from bot.config import LANGUAGES, ConfigError
from bot.knowledge import Knowledge
from bot.text import words

#: Command word (locales/<lang>/commands.yml) -> the payload the assistant understands without NLU.
COMMANDS: dict[str, str] = {
    "menu": "/menu", "language": "/language", "help": "/help_human",
    "privacy": "/privacy", "forget": "/forget_me",
}
COMMANDS_FILE = "commands.yml"


@dataclass(frozen=True)
class Command:
    payload: str
    language: Optional[str]   # set when the word belongs to one language only: a hint for new chats


def command_key(text: str) -> str:
    """Command words compare like safety phrases: case, accents, punctuation, repeated letters and
    WhatsApp's *bold* markers ignored, so "Menú!", "uita-ma" and "ZAPOMNIJ MNIE" all match."""
    return " ".join(words(text.replace("*", " ")))


class CommandWords:
    """Plain words that work as commands, since WhatsApp has no command menu like Telegram's."""

    def __init__(self, table: Mapping[str, Command]) -> None:
        self._table = dict(table)

    @classmethod
    def load(cls, locales: Path) -> CommandWords:
        """Read locales/<lang>/commands.yml for all languages; every problem is reported at once."""
        payloads: dict[str, str] = {}
        languages: dict[str, set[str]] = {}
        problems: list[str] = []
        for lang in LANGUAGES:
            path = locales / lang / COMMANDS_FILE
            for command, word in _command_words(path, problems):
                key = command_key(word)
                if payloads.setdefault(key, COMMANDS[command]) != COMMANDS[command]:
                    problems.append(f"{path}: {word!r} is already the word of another command")
                languages.setdefault(key, set()).add(lang)
        if problems:
            raise ConfigError("\n".join(problems))
        return cls({key: Command(payload, next(iter(languages[key])) if len(languages[key]) == 1 else None)
                    for key, payload in payloads.items()})

    def lookup(self, text: str, k: Optional[Knowledge]) -> Optional[Command]:
        """The command a whole message names. Never for a cry for help ("help" is one in Dutch):
        the assistant must see that text, its safety check answers with 112 first. Without the
        knowledge files there is no such check here, so no command either."""
        command = self._table.get(command_key(text))
        if command is None or k is None or k.safety.assess(text).any:
            return None
        return command


def _command_words(path: Path, problems: list[str]) -> list[tuple[str, str]]:
    """(command, word) pairs of one commands.yml; what is wrong is added to `problems`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        problems.append(f"{path}: cannot be read ({type(err).__name__})")
        return []
    if not isinstance(data, dict):
        problems.append(f"{path}: must map each command ({', '.join(COMMANDS)}) to a list of words")
        return []
    pairs: list[tuple[str, str]] = []
    for command, entries in data.items():
        if command not in COMMANDS:
            problems.append(f"{path}: unknown command {command!r} (known: {', '.join(COMMANDS)})")
        elif not isinstance(entries, list) or not all(isinstance(w, str) and command_key(w) for w in entries):
            problems.append(f"{path}: {command} must be a list of words")
        else:
            pairs += [(command, word) for word in entries]
    return pairs
