"""Rasa's command line, with three fixes to its hot path applied first (`apply()`).

Each removes work Rasa repeats on every message without need (profiles: docs/benchmarks.md):

1. Rasa checks every action server response with `jsonschema.validate(response, schema)`, which
   first checks the large event schema itself against the meta-schema, on every call: the
   validator is built once. Valid responses pass as before; an invalid one still goes through
   Rasa's own check and fails with Rasa's error.
2. Reading a stored conversation looks up the class of every event by walking all subclasses of
   `Event` again, for every event: the lookup is a table built once (rebuilt when a name is new).
3. Every action call opened a new HTTP connection to the action server (a new aiohttp session
   per request): the session is kept per event loop, so the connection is reused.

    python -m bot.rasa_process run --model ...     # the same as `rasa run --model ...`
"""
from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any, Dict, Optional, Text

if TYPE_CHECKING:
    from rasa.core.actions.action import RemoteAction


@functools.cache
def _validator(action_class: type[RemoteAction]) -> Any:
    from jsonschema import validators

    schema = action_class.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def apply() -> None:
    """Apply the three fixes (idempotent)."""
    _check_responses_with_one_validator()
    _look_up_event_classes_once()
    _keep_action_server_connections()


def _check_responses_with_one_validator() -> None:
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "checks_with_cached_validator", False):
        return
    rasa_check = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        action_class: type = type(self)   # as `type`: mypy does not see type[Any] as Hashable (mypy#11470)
        if _validator(action_class).is_valid(result):
            return True
        return rasa_check(self, result)

    _validate_action_result.checks_with_cached_validator = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result


def _look_up_event_classes_once() -> None:
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses

    if getattr(events.Event.resolve_by_type, "uses_table", False):
        return
    rasa_resolve = events.Event.resolve_by_type
    table: Dict[Text, type] = {}

    def resolve_by_type(type_name: Text, default: Optional[type] = None) -> Optional[type]:
        if type_name not in table:   # a new name, or a subclass defined since: build again
            table.clear()
            for cls in all_subclasses(events.Event):
                table.setdefault(cls.type_name, cls)
        found = table.get(type_name)
        return found if found is not None else rasa_resolve(type_name, default)

    resolve_by_type.uses_table = True  # type: ignore[attr-defined]
    events.Event.resolve_by_type = staticmethod(resolve_by_type)


class _KeptSession:
    """`async with` gives the same open aiohttp session each time, instead of a new one."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _keep_action_server_connections() -> None:
    import asyncio

    from rasa.utils.endpoints import EndpointConfig

    if getattr(EndpointConfig.session, "keeps_sessions", False):
        return
    rasa_session = EndpointConfig.session
    sessions: Dict[Any, Any] = {}

    def session(self: EndpointConfig) -> Any:
        loop = asyncio.get_running_loop()
        key = (id(self), id(loop))
        kept = sessions.get(key)
        if kept is None or kept.closed:
            kept = sessions[key] = rasa_session(self)
        return _KeptSession(kept)

    session.keeps_sessions = True  # type: ignore[attr-defined]
    EndpointConfig.session = session


def main() -> None:
    from rasa.__main__ import main as rasa_main

    from bot.config import ConfigError, settings

    try:
        settings().check()   # production: no start without the pseudonym secret
    except ConfigError as err:
        sys.exit(f"configuration error: {err}")
    apply()
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
