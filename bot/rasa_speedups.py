"""Fixes for two of Rasa 3.6's slow steps per message, applied when our channels load.

Both found by profiling (py-spy) the server under bench/rest_latency.py; neither changes
what Rasa does, only how often it redoes constant work.

- Rasa validates every custom-action response with `jsonschema.validate`, which checks the
  (constant) schema itself on every call: about three quarters of the server's time per
  message. Here the schema is checked once and its validator reused.
- Rasa finds an event's class by its type name by walking every subclass of Event, for each
  event of a tracker read from the tracker store. Here the lookup is a dict, rebuilt when a
  name is not in it (a class defined later).
"""
from functools import lru_cache
from typing import Any, Dict, Optional, Text, Type

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot import rasa_internals


@lru_cache(maxsize=1)
def _response_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        _response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information visit {DOCS_BASE_URL}/custom-actions"
        )
        raise


_event_classes: Dict[Text, Type[Event]] = {}
_resolve_event_by_walking = Event.resolve_by_type


def _resolve_event_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    if type_name not in _event_classes:
        # the first subclass with a name wins, as in Rasa's own walk
        for cls in reversed(list(all_subclasses(Event))):
            _event_classes[cls.type_name] = cls
    if type_name in _event_classes:
        return _event_classes[type_name]
    return _resolve_event_by_walking(type_name, default)


if rasa_internals.unchanged(
    "rasa.core.actions.action:RemoteAction._validate_action_result",
    "rasa.shared.core.events:Event.resolve_by_type",
    purpose="the speed-ups of bot/rasa_speedups.py",
):
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_event_by_type)
