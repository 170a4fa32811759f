"""Rasa's command line, with one fix to its hot path applied first.

Rasa checks every action server response with `jsonschema.validate(response, schema)`. Before it
looks at the response, that call checks the large event schema itself against the JSON Schema
meta-schema, on every call: about half of a Rasa process's time under load (py-spy, see
docs/robustness.md and docs/benchmarks.md). `apply()` builds the validator once. Valid responses
pass as before; an invalid one still goes through Rasa's own check and fails with Rasa's error.

    python -m bot.rasa_process run --model ...     # the same as `rasa run --model ...`
"""
from __future__ import annotations

import functools
import sys
from typing import Any, Dict, Text


@functools.lru_cache(maxsize=None)
def _validator(action_class: type) -> Any:
    from jsonschema import validators

    schema = action_class.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def apply() -> None:
    """Let Rasa's remote actions check responses with a validator built once (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "checks_with_cached_validator", False):
        return
    rasa_check = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if _validator(type(self)).is_valid(result):
            return True
        return rasa_check(self, result)

    _validate_action_result.checks_with_cached_validator = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def main() -> None:
    from rasa.__main__ import main as rasa_main

    apply()
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
