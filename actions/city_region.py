"""A person who names a region of several communes ("Bruxelles-Capitale") is asked which
commune they live in, with the communes served here as buttons: a CPAS/OCMW helps only its
own residents, so the bot must not silently take the region for one of its cities."""
from typing import Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import latest_entity
from knowledge.city_regions import Region, city_regions
from replies.buttons import city_buttons
from replies.texts import text


def named_region(tracker: Tracker) -> Optional[Region]:
    """The region the latest message names, unless it also names a city."""
    if latest_entity(tracker, "city"):
        return None
    return city_regions().get(latest_entity(tracker, "city_region"))


def ask_commune(dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> bool:
    """Asks for the commune when the latest message names a region; True when it did."""
    region = named_region(tracker)
    if region is None:
        return False
    dispatcher.utter_message(text=text(region.question, language), buttons=city_buttons(region.communes))
    return True
