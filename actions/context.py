"""The conversation's language and city, kept in slots and brought up to date by every action.

Language: in the one order of precedence of replies/language.py (an explicit choice, which
then sticks; a confident detection of this message; the conversation's language; the
channel's hint; English), read here from the latest message and the slots.
City: a city named in this message; the city the conversation already has; the channel's
city (`metadata.city`: widget attribute, Telegram deep link).
"""
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.latin_letters import adapt_replies
from knowledge.taxonomy import load_taxonomy
from replies.language import language_after

DETECTION_CONFIDENCE = 0.6  # below this, a message does not change the conversation's language


def metadata_of(tracker: Tracker) -> Dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def shared_location(tracker: Tracker) -> Optional[Tuple[float, float]]:
    """(latitude, longitude) the user shared with this message (Telegram: metadata.location)."""
    location = metadata_of(tracker).get("location")
    if not isinstance(location, dict):
        return None
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (latitude, longitude)):
        return None
    return (float(latitude), float(longitude)) if abs(latitude) <= 90 and abs(longitude) <= 180 else None


def latest_entity(tracker: Tracker, entity: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(entity), None)


def explicit_language(tracker: Tracker) -> Optional[str]:
    languages = load_taxonomy().languages
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    chosen = latest_entity(tracker, "language_choice")
    if intent == "choose_language" and chosen in languages:
        return chosen
    requested = metadata_of(tracker).get("language")
    return requested if isinstance(requested, str) and requested in languages else None


def names_a_place(tracker: Tracker) -> bool:
    """A one-word answer to "which city?" ("Paris") is a name, not a change of language."""
    words = ((tracker.latest_message or {}).get("text") or "").split()
    return tracker.active_loop_name == "city_form" and len(words) <= 1


def resolve_language(tracker: Tracker) -> Tuple[str, bool]:
    """(language, locked) for the conversation after the latest message (replies/language.py)."""
    detected = (tracker.latest_message or {}).get("language") or {}
    return language_after(
        chosen=explicit_language(tracker), conversation=tracker.get_slot("language"),
        locked=bool(tracker.get_slot("language_locked")), hint=metadata_of(tracker).get("language_hint"),
        detected=detected.get("code"),
        confident=(detected.get("confidence") or 0.0) >= DETECTION_CONFIDENCE and not names_a_place(tracker),
    )


def resolve_city(tracker: Tracker) -> Optional[str]:
    cities = load_taxonomy().cities
    named = latest_entity(tracker, "city")
    if named in cities:
        return named
    current = tracker.get_slot("city")
    if current in cities:
        return current
    from_channel = metadata_of(tracker).get("city")
    return from_channel if isinstance(from_channel, str) and from_channel in cities else None


def current_language(tracker: Tracker) -> str:
    return language_after(conversation=tracker.get_slot("language"))[0]


def update_context(tracker: Tracker) -> List[Dict]:
    """Brings the tracker's language and city up to date with the latest message: the slot
    events to return, applied to `tracker` as well, so the rest of the action sees them."""
    language, locked = resolve_language(tracker)
    resolved = {"language": language, "language_locked": locked, "city": resolve_city(tracker)}
    current = {
        "language": tracker.get_slot("language"),
        "language_locked": bool(tracker.get_slot("language_locked")),
        "city": tracker.get_slot("city"),
    }
    events = []
    for slot, value in resolved.items():
        if value != current[slot]:
            events.append(SlotSet(slot, value))
            tracker.slots[slot] = value
    return events


class ContextAction(Action, ABC):
    """Every action of the bot: it brings the language and city up to date with the latest
    message, then responds (`respond`). Done here rather than by a custom slot mapping, which
    would cost Rasa one more call to the action server on every message."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        from actions import handoff  # it reads the context this module keeps

        events = update_context(tracker)
        events += handoff.around(  # an exchange with staff may take the message (actions/handoff.py)
            self.name(), dispatcher, tracker, current_language(tracker), lambda: self.respond(dispatcher, tracker, domain)
        )
        return events + adapt_replies(dispatcher, tracker, current_language(tracker))

    @abstractmethod  # abstract, so that rasa_sdk does not register this class as an action
    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        """The action's own work, once the context is up to date; returns its events."""
