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
