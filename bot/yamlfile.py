"""YAML loading that remembers line numbers, so every content error can say `file:line`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):
    """A mapping that knows the line of each key and which keys were written twice."""

    line: int = 0
    key_lines: dict
    duplicates: list  # [(key, line), ...]


#: libyaml's loader when PyYAML was built with it (~5x faster reloads); which one is known only at run time.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping.key_lines:
            mapping.duplicates.append((key, line))
        mapping.key_lines[key] = line
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class YamlError(Exception):
    """A file that is not valid YAML, with the line where the parser gave up."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def load(path: Path) -> Any:
    """Load one YAML file; mappings come back as :class:`LineDict`."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise YamlError(path, 1, f"not UTF-8 text ({err.reason})") from err
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(path, line, f"YAML syntax error: {err.problem or err}") from err
    except yaml.YAMLError as err:
        raise YamlError(path, 1, f"YAML error: {err}") from err


def line_of(mapping: Any, key: Any, default: int = 1) -> int:
    """Line of `key` in `mapping` if known, else the mapping's own line, else `default`."""
    if isinstance(mapping, LineDict):
        return mapping.key_lines.get(key, mapping.line or default)
    return default
