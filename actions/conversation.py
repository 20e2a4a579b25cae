"""The bot's conversational replies: greeting, help, city, language, small talk, fallback."""
import logging
from typing import Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import ActionAnswer, category_beside_city, entry_reply, log_for_staff, say_related
from actions.city_region import ask_commune
from actions.context import ContextAction, current_language, latest_entity
from actions.latin_letters import choose_latin_letters, chose_latin_letters
from actions.needs import likely_topics
from knowledge import queries
from knowledge.db import session_scope
from knowledge.taxonomy import load_taxonomy
from replies.buttons import category_buttons, language_buttons, theme_buttons, topic_buttons
from replies.cities import city_name, city_unknown
from replies.fault_reply import unavailable_text
from replies.rendering import reading_notes
from replies.texts import text

logger = logging.getLogger(__name__)
SMALL_TALK = {"goodbye", "thank", "affirm", "deny", "bot_challenge"}


class ActionGreet(ContextAction):
    def name(self) -> Text:
        return "action_greet"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        language = current_language(tracker)
        dispatcher.utter_message(text=text("greet", language), buttons=theme_buttons(language))
        return []


class ActionHelp(ContextAction):
    """Help shows the four themes; a theme button shows that theme's categories."""

    def name(self) -> Text:
        return "action_help"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        language = current_language(tracker)
        theme = latest_entity(tracker, "theme")
        taxonomy = load_taxonomy()
        if theme in taxonomy.themes:
            dispatcher.utter_message(
                text=text(f"theme_{theme}", language),
                buttons=category_buttons(taxonomy.categories_of_theme(theme), language),
            )
        else:
            dispatcher.utter_message(text=text("help", language), buttons=theme_buttons(language))
        return []


class ActionConfirmCity(ContextAction):
    def name(self) -> Text:
        return "action_confirm_city"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        language = current_language(tracker)
        city = tracker.get_slot("city")
        category = category_beside_city(tracker)
        if city and latest_entity(tracker, "city") and category:
            ActionAnswer().answer(dispatcher, tracker, city, category)
        elif city and latest_entity(tracker, "city"):
            dispatcher.utter_message(
                text=f"{text('city_set', language, city=city_name(city))} {text('category_prompt', language)}",
                buttons=theme_buttons(language),
            )
        elif not ask_commune(dispatcher, tracker, language):
            message, buttons = city_unknown(language)
            dispatcher.utter_message(text=message, buttons=buttons)
        return []


class ActionChooseLanguage(ContextAction):
    def name(self) -> Text:
        return "action_choose_language"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        if chose_latin_letters(tracker):  # the "Latin letters" button (actions/latin_letters.py)
            return choose_latin_letters(dispatcher, tracker, current_language(tracker))
        chosen = latest_entity(tracker, "language_choice")
        if chosen in load_taxonomy().languages:
            dispatcher.utter_message(text=text("language_set", chosen))
            return []
        dispatcher.utter_message(text=text("language_prompt", current_language(tracker)), buttons=language_buttons())
        return []


class ActionSmallTalk(ContextAction):
    def name(self) -> Text:
        return "action_small_talk"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in SMALL_TALK:
            dispatcher.utter_message(text=text(intent, current_language(tracker)))
        return []


class ActionFallback(ContextAction):
    """Unsure: offer the two or three likeliest topics. Not understood or out of scope: try
    the knowledge base's text search, else say so honestly, offer the themes and a person.
    Either way the question is logged (scrubbed) for staff."""

    def name(self) -> Text:
        return "action_fallback"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        language = current_language(tracker)
        message = tracker.latest_message or {}
        question = message.get("text") or ""
        intent = message.get("intent") or {}
        city_id = tracker.get_slot("city")
        found, notes = [], []
        topics = likely_topics(message) if intent.get("name") == "nlu_fallback" else []
        try:
            with session_scope() as session:
                city = queries.get_city(session, city_id)
                if not topics and intent.get("name") != "out_of_scope" and city is not None:
                    entries = queries.search(session, city_id, question)
                    found, notes = [entry_reply(e, language, city) for e in entries], reading_notes(entries, language)
            if not found:
                log_for_staff(tracker, city_id, language)
        except SQLAlchemyError:
            logger.exception("knowledge base unavailable in fallback")
            # Neither searched nor logged: say so, rather than "I don't know, I told staff".
            dispatcher.utter_message(text=unavailable_text(language, city_id))
            return [SlotSet("requested_slot", None)] if tracker.active_loop_name else []
        if topics:
            dispatcher.utter_message(text=text("clarify", language), buttons=topic_buttons(topics, language))
            return [SlotSet("requested_slot", None)] if tracker.active_loop_name else []
        if found:
            for rendered in found:
                dispatcher.utter_message(**rendered)
            if notes:
                dispatcher.utter_message(text="\n".join(notes))
            say_related(dispatcher, language, theme_buttons(language))
            return []
        dispatcher.utter_message(text=text("out_of_scope", language), buttons=theme_buttons(language))
        dispatcher.utter_message(
            text=text("question_logged", language),
            buttons=[{"title": text("button_person", language), "payload": "/ask_human"}],
        )
        return [SlotSet("requested_slot", None)] if tracker.active_loop_name else []
