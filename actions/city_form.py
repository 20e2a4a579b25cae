"""The city form: asks for the city once when a question needs it and it is unknown."""
from typing import Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.city_region import ask_commune
from actions.context import ContextAction, current_language
from replies.cities import ask_city, city_unknown


class ActionAskCity(ContextAction):
    """The form's question; says so when the user's answer was not a city we know, and asks
    for the commune when it was a region (actions/city_region.py)."""

    def name(self) -> Text:
        return "action_ask_city"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        language = current_language(tracker)
        if ask_commune(dispatcher, tracker, language):
            return []
        asked_before = tracker.get_slot("requested_slot") == "city"
        message, buttons = city_unknown(language) if asked_before else ask_city(language)
        dispatcher.utter_message(text=message, buttons=buttons)
        return []


class ValidateCityForm(ContextAction):
    """An answer without a known city keeps the form asking (instead of Rasa rejecting the
    form and answering "I don't know that"), so the user hears which cities we know."""

    def name(self) -> Text:
        return "validate_city_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "emergency":
            # No slot set, so the form is rejected and the emergency rule answers first
            # (its action brings the language and city up to date).
            return []
        return super().run(dispatcher, tracker, domain)

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        if tracker.get_slot("requested_slot") == "city" and tracker.get_slot("city") is None:
            return [SlotSet("city", None)]
        return []
