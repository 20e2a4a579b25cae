"""Replies in Latin letters for someone who writes Russian, Ukrainian or Greek that way.

The bot answers a romanized message in the language's own script (bot/language_id.py tells
it apart) and offers, once, a button to read the replies in Latin letters instead, as the
person writes (bot/transliteration.py). Arabic and Farsi have no such spelling rule: their
replies stay in their own script.
"""
from typing import Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.transliteration import TABLES, to_latin
from replies.texts import text

SLOT = "latin_letters"
# The language button's intent, with a `script` entity: no intent of its own to learn.
CHOOSE_LATIN_PAYLOAD = '/choose_language{"script": "latin"}'


def wrote_in_latin_letters(tracker: Tracker) -> bool:
    detected = (tracker.latest_message or {}).get("language") or {}
    return detected.get("script") == "latin"


def adapt_replies(dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> List[Dict]:
    """Transliterates this turn's replies when chosen; offers the choice once otherwise."""
    if language not in TABLES:
        return []
    choice = tracker.get_slot(SLOT)
    if choice:
        for message in dispatcher.messages:
            if message.get("text"):
                message["text"] = to_latin(message["text"], language)
            for button in message.get("buttons") or []:
                button["title"] = to_latin(button["title"], language)
        return []
    if choice is None and wrote_in_latin_letters(tracker) and dispatcher.messages:
        button = {"title": text("button_latin_letters", language), "payload": CHOOSE_LATIN_PAYLOAD}
        dispatcher.messages[-1].setdefault("buttons", []).append(button)
        return [SlotSet(SLOT, False)]
    return []


def chose_latin_letters(tracker: Tracker) -> bool:
    return any(entity.get("entity") == "script" and entity.get("value") == "latin"
               for entity in (tracker.latest_message or {}).get("entities") or [])


def choose_latin_letters(dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> List[Dict]:
    tracker.slots[SLOT] = True
    dispatcher.utter_message(text=text("latin_letters_set", language))
    return [SlotSet(SLOT, True)]
