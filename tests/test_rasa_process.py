"""bot.rasa_process: Rasa checks action server responses as before, with a validator built once."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_process

VALID = {"events": [{"event": "slot", "name": "language", "value": "pl"}],
         "responses": [{"text": "Cześć", "buttons": [{"title": "Menu", "payload": "/menu"}]}]}


def test_valid_responses_pass_and_the_validator_is_built_once():
    rasa_process.apply()
    rasa_process.apply()   # a second call changes nothing
    action = RemoteAction("action_answer", None)
    for _ in range(3):
        assert action._validate_action_result(VALID) is True
    assert rasa_process._validator.cache_info().currsize == 1


@pytest.mark.parametrize("invalid", [
    {"events": [{"event": "no such event"}]},
    {"events": "not a list"},
    {"responses": [{"text": "hi"}, "not an object"]},
])
def test_invalid_responses_fail_with_rasas_own_error(invalid):
    rasa_process.apply()
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_answer", None)._validate_action_result(invalid)


def test_event_classes_are_looked_up_in_a_table_with_rasas_answers():
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses

    rasa_process.apply()
    assert getattr(events.Event.resolve_by_type, "uses_table", False)
    for cls in all_subclasses(events.Event):
        assert events.Event.resolve_by_type(cls.type_name).type_name == cls.type_name
    assert events.Event.resolve_by_type("no such event", default=events.SlotSet) is events.SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        events.Event.resolve_by_type("no such event")


def test_the_action_server_connection_is_kept_between_requests():
    import asyncio

    from rasa.utils.endpoints import EndpointConfig

    rasa_process.apply()
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def two_requests():
        async with endpoint.session() as first:
            pass
        async with endpoint.session() as second:
            pass
        assert first is second and not first.closed
        await first.close()
        async with endpoint.session() as third:   # a closed session is replaced
            assert third is not first and not third.closed
        await third.close()

    asyncio.run(two_requests())
