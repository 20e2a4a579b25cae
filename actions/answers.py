"""Answers from the knowledge base: services of a category, a person to talk to, emergency."""
import logging
from typing import Dict, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import handoff
from actions.city_region import ask_commune
from actions.context import ContextAction, current_language, shared_location
from actions.needs import likely_topics, question_beside_danger, second_need, unsure
from bot.scrubbing import scrub
from knowledge import queries
from knowledge.db import session_scope
from knowledge.taxonomy import load_taxonomy
from replies.buttons import category_buttons, theme_buttons, topic_buttons
from replies.cards import emergency_card, entry_card, numbers_card
from replies.cities import city_name
from replies.fault_reply import unavailable_text
from replies.rendering import reading_notes, render_entry
from replies.texts import text

logger = logging.getLogger(__name__)
MAX_ENTRIES = 3


def asked_intent(tracker: Tracker) -> Optional[str]:
    """The category (or ask_human) the user asked about, skipping the reply with the city."""
    intents = (((e.get("parse_data") or {}).get("intent") or {}).get("name") for e in tracker.events if e.get("event") == "user")
    return load_taxonomy().last_asked(intents, also={"ask_human"})


SECOND_GUESS = 0.15  # "I need a doctor in Jelgava" may read as naming the city; see below


def category_beside_city(tracker: Tracker) -> Optional[str]:
    """A service category the model also saw in a message it read as naming the city.

    "I need a doctor in Jelgava" is a question about health in Jelgava: when health is
    among the model's guesses with some confidence, that is the question to answer.
    """
    wanted = set(load_taxonomy().categories) | {"ask_human"}
    for guess in (tracker.latest_message or {}).get("intent_ranking") or []:
        if guess.get("name") in wanted and (guess.get("confidence") or 0) >= SECOND_GUESS:
            return guess["name"]
    return None


def log_for_staff(tracker: Tracker, city_id: Optional[str], language: str) -> None:
    """A question the bot could not answer on its own goes to the staff's list, scrubbed."""
    message = tracker.latest_message or {}
    question, intent = message.get("text") or "", message.get("intent") or {}
    if not question.strip():
        return
    with session_scope() as session:
        queries.record_unanswered(session, scrub(question), city_id, language, intent.get("name"), intent.get("confidence"))


def say_unavailable(dispatcher: CollectingDispatcher, language: str, city_id: Optional[str] = None) -> None:
    """The knowledge base cannot be read: never leave the user without an answer (112, and
    the city's information desk as last read)."""
    dispatcher.utter_message(text=unavailable_text(language, city_id))


def entry_reply(entry, language: str, city, distance_m: float = None) -> Dict:
    """One entry as one message: the plain text for any channel, the card beside it."""
    return {
        "text": render_entry(entry, language, city, distance_m=distance_m),
        "json_message": {"card": entry_card(entry, language, city, distance_m=distance_m)},
    }


def say_related(dispatcher: CollectingDispatcher, language: str, buttons: List[Dict]) -> None:
    """"Related topics:" is only a caption for its buttons: marked so, a channel that takes
    the buttons away once one is pressed takes the caption away too (no empty bubble)."""
    dispatcher.utter_message(text=text("related", language), buttons=buttons, json_message={"caption": True})


class ActionAnswer(ContextAction):
    """Lists the best entries of the asked category in the user's city."""

    def name(self) -> Text:
        return "action_answer"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        language = current_language(tracker)
        if ask_commune(dispatcher, tracker, language):  # "a doctor in the Brussels region"
            return []
        city_id = tracker.get_slot("city")
        intent = asked_intent(tracker)
        if intent is None or city_id is None:
            dispatcher.utter_message(text=text("category_prompt", language), buttons=theme_buttons(language))
            return []
        latest = tracker.latest_message or {}
        topics = likely_topics(latest)
        if unsure(latest, intent) and len(topics) > 1:
            dispatcher.utter_message(text=text("clarify", language), buttons=topic_buttons(topics, language))
            try:
                log_for_staff(tracker, city_id, language)
            except SQLAlchemyError:
                logger.exception("knowledge base unavailable: an unsure question was not logged")
            return []
        self.answer(dispatcher, tracker, city_id, intent)
        self._offer_second_need(dispatcher, tracker, intent, language)
        return []

    @staticmethod
    def _offer_second_need(dispatcher: CollectingDispatcher, tracker: Tracker, answered: str, language: str) -> None:
        """"A doctor, and a school for my son": the second need gets a button of its own."""
        latest = tracker.latest_message or {}
        if (latest.get("intent") or {}).get("name") != answered:
            return  # answered after the city was asked: the message read here is the city's
        other = second_need(latest, answered)
        if other and other != "ask_human":
            dispatcher.utter_message(
                text=text("also_asked", language, category=text(f"category_{other}", language)),
                buttons=category_buttons([other], language),
            )

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, city_id: str, intent: str,
               said_notes: Sequence[str] = ()) -> None:
        """`said_notes`: reading notes this reply has said already (once per reply, not per part)."""
        language = current_language(tracker)
        try:
            if intent == "ask_human":
                handoff.offer(dispatcher, tracker, city_id, language)  # consent first (actions/handoff.py)
            else:
                self._services(dispatcher, city_id, intent, language, shared_location(tracker), said_notes)
        except SQLAlchemyError:
            logger.exception("knowledge base unavailable while answering %s", intent)
            say_unavailable(dispatcher, language, city_id)

    def _services(self, dispatcher, city_id: str, category: str, language: str, location=None,
                  said_notes: Sequence[str] = ()) -> None:
        """The best entries; with a shared location, the nearest ones that have coordinates."""
        with session_scope() as session:
            city = queries.get_city(session, city_id)
            nearby = queries.nearest_services(session, city_id, category, *location, limit=MAX_ENTRIES) if location else []
            if nearby:
                rendered = [entry_reply(e, language, city, distance_m=d) for e, d in nearby]
                notes = reading_notes([e for e, _ in nearby], language)
            else:
                entries = queries.services_for(session, city_id, category, limit=MAX_ENTRIES)
                rendered = [entry_reply(e, language, city) for e in entries]
                notes = reading_notes(entries, language)
            total = queries.count_services(session, city_id, category)
            queries.record_question(session, city_id, language, category)
        names = {"category": text(f"category_{category}", language), "city": city_name(city_id)}
        related = category_buttons(load_taxonomy().related_categories(category), language)
        if not rendered:
            dispatcher.utter_message(text=text("no_services", language, **names), buttons=theme_buttons(language))
            return
        dispatcher.utter_message(text=text("services_intro", language, **names))
        if location and not nearby:
            dispatcher.utter_message(text=text("nearby_unavailable", language))
        for message in rendered:
            dispatcher.utter_message(**message)
        notes = [note for note in notes if note not in said_notes]
        if notes:
            dispatcher.utter_message(text="\n".join(notes))
        if total > len(rendered):
            dispatcher.utter_message(text=text("more_results", language, count=total - len(rendered)))
        if related:
            say_related(dispatcher, language, related)

    def human_contact(self, dispatcher, city_id: str, language: str) -> None:
        """The city's contact entry (town hall, info desk): offered when no ticket is wanted."""
        with session_scope() as session:
            city = queries.get_city(session, city_id)
            contact = queries.human_contact(session, city_id)
            rendered = entry_reply(contact, language, city) if contact else None
            notes = reading_notes([contact], language) if contact else []
        if rendered is None:
            dispatcher.utter_message(text=text("ask_human_missing", language, city=city_name(city_id)))
            return
        dispatcher.utter_message(text=text("ask_human", language))
        dispatcher.utter_message(**rendered)
        if notes:
            dispatcher.utter_message(text="\n".join(notes))


class ActionEmergency(ContextAction):
    """112 first, always; then the city's urgent numbers, the country's suicide-prevention
    line, and the answer to what was asked beside it.

    The crisis line follows every cry for help: its words are addressed to whoever is thinking
    of ending their life. Given only when the message spoke of it (suicide words, or mental
    health among the model's two first topics), it reached 69 of the 137 suicide-intent
    messages of the crisis sets (words alone: 13), while 436 of 1,029 other dangers got it
    anyway (measured 2026-12-06 on the model of make eval): a person who writes a farewell
    must not be the one left without it."""

    def name(self) -> Text:
        return "action_emergency"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        language = current_language(tracker)
        dispatcher.utter_message(text=text("emergency", language), json_message={"card": emergency_card(language)})
        city_id = tracker.get_slot("city")
        if not city_id:
            return []
        latest = tracker.latest_message or {}
        try:
            messages, notes = self._numbers(city_id, language)
        except SQLAlchemyError:
            logger.exception("knowledge base unavailable during an emergency answer")
            return []  # 112 has been said; that is what matters most
        for message in messages:
            dispatcher.utter_message(**message)
        asked = question_beside_danger(latest)
        if asked:
            dispatcher.utter_message(text=text("after_emergency", language))
            ActionAnswer().answer(dispatcher, tracker, city_id, asked, said_notes=notes)
        return []

    def _numbers(self, city_id: str, language: str) -> Tuple[List[Dict], List[str]]:
        """The city's urgent numbers, the country's suicide-prevention lines, then once what
        the reader must know of them (not checked by staff, an unreviewed translation): 112
        itself needs no such note. The messages, and the notes they said."""
        with session_scope() as session:
            city = queries.get_city(session, city_id)
            queries.record_question(session, city_id, language, "emergency")
            lists = [(text("emergency_city", language, city=city_name(city_id)),
                      [e for e in queries.services_for(session, city_id, "emergency", limit=6) if e.phone]),
                     (text("crisis_line", language), queries.crisis_lines(session, city_id))]
            messages = [
                {"text": "\n".join([title, *(self._line(e, language, city) for e in entries)]),
                 "json_message": {"card": numbers_card(title, entries, language)}}
                for title, entries in lists if entries
            ]
            notes = reading_notes([e for _, entries in lists for e in entries], language)
        notes = notes if messages else []
        return messages + ([{"text": "\n".join(notes)}] if notes else []), notes

    @staticmethod
    def _line(entry, language: str, city) -> str:
        entry_text, _ = entry.text_for_reader(language)
        return f"{entry.phone}: {entry_text.name if entry_text else entry.id}"
