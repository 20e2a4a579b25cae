"""Talking to a person: consent, the question, and the exchange with the city's staff.

No intent of its own: the state is the conversation's ticket (knowledge/tickets.py), and the
person's choices are buttons whose payload is an existing intent with a `handoff` value
(replies/handoff.py); Rasa drops that unknown entity but keeps the payload as the message
text, which is read here. Every action of the bot runs through `around`
(actions/context.py): while a draft or an open ticket exists, it takes the message.
The safety layer runs before any of this: an emergency is answered by action_emergency
(112 first), and only then added to an open ticket.
"""
import json
import logging
import re
from typing import Callable, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot import settings
from bot.conversation_ids import WIDGET, TELEGRAM, split
from bot.scrubbing import scrub
from knowledge import tickets
from knowledge.db import session_scope
from knowledge.taxonomy import load_taxonomy
from replies.cities import city_name
from replies.handoff import (
    CANCEL, CONSENT, DECLINE, DONE, SEND, SEND_AS_WRITTEN, USE_LAST, button, done_button, reply_text,
)
from replies.texts import text

logger = logging.getLogger(__name__)

# Actions the exchange never takes over: the emergency answer, and the city form's own steps.
NOT_TAKEN_OVER = {"action_emergency", "validate_city_form", "action_ask_city"}
EXCERPT_TURNS = 6
EXCERPT_CHARS = 300
DEFAULT_ANSWER_DAYS = 2
_PAYLOAD = re.compile(r"^/\w+(\{.*\})\s*$", re.DOTALL)


def choice_of(message: Dict) -> Optional[str]:
    """The handoff button pressed (or /done typed: Telegram sends it as the Done button's
    payload, the widget and REST as it is), from the payload text."""
    if (message.get("text") or "").strip().lower() == "/done":
        return DONE
    match = _PAYLOAD.match((message.get("text") or "").strip())
    if not match:
        return None
    try:
        value = json.loads(match.group(1)).get("handoff")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def is_typed(message: Dict) -> bool:
    """Written by the person (not a button or command payload)."""
    return not (message.get("text") or "").lstrip().startswith("/")


def answer_days(city_id: str) -> int:
    """When the city's team usually answers, in working days: INCLUBOT_HANDOFF_ANSWER_DAYS,
    e.g. "2" or "2,jelgava=5" (a default and per-city values)."""
    days = {None: DEFAULT_ANSWER_DAYS}
    for part in settings.handoff_answer_days().split(","):
        city, _, value = part.strip().rpartition("=")
        if value.strip().isdigit():
            days[city.strip() or None] = int(value)
    return days.get(city_id, days[None])


# --- the hook ------------------------------------------------------------------------------

def around(action_name: str, dispatcher: CollectingDispatcher, tracker: Tracker, language: str,
           respond: Callable[[], List[Dict]]) -> List[Dict]:
    """Runs the action's own `respond`, unless the conversation's ticket takes the message."""
    if action_name in NOT_TAKEN_OVER:
        events = respond()
        if action_name == "action_emergency":
            _add_emergency_to_ticket(dispatcher, tracker, language)
        return events
    try:
        taken = _take(dispatcher, tracker, language)
    except (SQLAlchemyError, tickets.TicketError):
        logger.exception("handoff tickets unavailable: the bot answers instead")
        taken = False
    return [] if taken else respond()


def _take(dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> bool:
    message = tracker.latest_message or {}
    with session_scope() as session:
        ticket = tickets.current(session, tracker.sender_id)
        if ticket is None:
            return False
        if ticket.status == tickets.DRAFT:
            return _draft_step(session, ticket, dispatcher, tracker, message)
        return _exchange_step(session, ticket, dispatcher, tracker, message)


def _draft_step(session, ticket, dispatcher, tracker, message) -> bool:
    language, choice, typed = ticket.language, choice_of(message), is_typed(message)
    intent = (message.get("intent") or {}).get("name")
    if ticket.stage == tickets.CONSENT:
        if choice == CONSENT or (typed and intent == "affirm"):
            ticket.stage = tickets.QUESTION
            _ask_question(dispatcher, tracker, language)
            return True
        if choice == DECLINE or (typed and intent == "deny"):
            session.delete(ticket)
            dispatcher.utter_message(text=text("handoff_nothing_sent", language))
            _show_contact(dispatcher, ticket.city_id, language)
            return True
    elif ticket.stage in (tickets.QUESTION, tickets.CONFIRM):
        if choice in (CANCEL, DECLINE):
            session.delete(ticket)
            dispatcher.utter_message(text=text("handoff_nothing_sent", language))
            _show_contact(dispatcher, ticket.city_id, language)
            return True
        if ticket.stage == tickets.CONFIRM and choice in (SEND, SEND_AS_WRITTEN):
            _open(session, ticket, dispatcher, tracker, keep_as_written=choice == SEND_AS_WRITTEN)
            return True
        question, category = last_question(tracker) if choice == USE_LAST else (message.get("text") if typed else None, intent)
        if question and question.strip():
            ticket.stage, ticket.question = tickets.CONFIRM, question.strip()[: tickets.MAX_TEXT_CHARS]
            ticket.category = category if category in load_taxonomy().categories else None
            _show_back(dispatcher, ticket)
            return True
    # Anything else (another topic's button, a new question before consent): the draft is
    # dropped and the bot answers as usual.
    session.delete(ticket)
    return False


def _exchange_step(session, ticket, dispatcher, tracker, message) -> bool:
    language, choice = ticket.language, choice_of(message)
    if choice == DONE:
        tickets.close_by_person(session, ticket)
        dispatcher.utter_message(text=text("handoff_done", language))
        return True
    if not is_typed(message):
        return False  # a button of the bot (a topic): the bot answers it; the ticket stays open
    deliver_here(session, dispatcher, tracker.sender_id)
    tickets.add_from_person(session, ticket, message.get("text") or "")
    dispatcher.utter_message(text=text("handoff_added", language, ticket=ticket.id), buttons=done_button(language))
    return True


def _add_emergency_to_ticket(dispatcher, tracker, language: str) -> None:
    """After 112 has been said: the staff handling the person's ticket see the message too."""
    message = tracker.latest_message or {}
    if not is_typed(message):
        return
    try:
        with session_scope() as session:
            ticket = tickets.current(session, tracker.sender_id)
            if ticket is None or ticket.status == tickets.DRAFT:
                return
            tickets.add_from_person(session, ticket, message.get("text") or "")
    except (SQLAlchemyError, tickets.TicketError):
        logger.exception("an emergency message could not be added to its ticket")
        return
    dispatcher.utter_message(text=text("handoff_emergency_added", language), buttons=done_button(language))


# --- the steps -------------------------------------------------------------------------------

def offer(dispatcher: CollectingDispatcher, tracker: Tracker, city_id: str, language: str) -> None:
    """"Talk to a person": what happens, and the question whether to send anything."""
    with session_scope() as session:
        ticket = tickets.current(session, tracker.sender_id)
        if ticket is not None and ticket.status != tickets.DRAFT:
            dispatcher.utter_message(text=text("handoff_already_open", language, ticket=ticket.id), buttons=done_button(language))
            return
        tickets.start_draft(session, tracker.sender_id, city_id, language)
        retention = settings.ticket_retention_days()
    lines = [text("handoff_explain", language, city=city_name(city_id), days=answer_days(city_id), retention=retention)]
    namespace, _ = split(tracker.sender_id)
    if namespace == WIDGET:
        lines.append(text("handoff_widget_caveat", language))
    elif namespace == TELEGRAM:
        lines.append(text("handoff_forget_telegram", language))
    lines.append(text("handoff_consent", language))
    dispatcher.utter_message(text="\n\n".join(lines), buttons=[button(CONSENT, language), button(DECLINE, language)])


def _ask_question(dispatcher, tracker, language: str) -> None:
    previous, _ = last_question(tracker)
    if previous:
        dispatcher.utter_message(
            text=text("handoff_ask_question_last", language, question=previous),
            buttons=[button(USE_LAST, language), button(CANCEL, language)],
        )
    else:
        dispatcher.utter_message(text=text("handoff_ask_question", language), buttons=[button(CANCEL, language)])


def _show_back(dispatcher, ticket) -> None:
    language, question = ticket.language, ticket.question
    scrubbed = scrub(question)
    if scrubbed != question:
        dispatcher.utter_message(
            text=text("handoff_confirm_personal", language, question=scrubbed),
            buttons=[button(SEND, language), button(SEND_AS_WRITTEN, language), button(CANCEL, language)],
        )
    else:
        dispatcher.utter_message(text=text("handoff_confirm", language, question=question),
                                 buttons=[button(SEND, language), button(CANCEL, language)])


def _open(session, ticket, dispatcher, tracker, keep_as_written: bool) -> None:
    ticket.keeps_personal_data = keep_as_written and scrub(ticket.question) != ticket.question
    if not keep_as_written:
        ticket.question = scrub(ticket.question)
    tickets.open_ticket(session, ticket, excerpt_of(tracker))
    session.flush()
    language = ticket.language
    dispatcher.utter_message(
        text=text("handoff_sent", language, ticket=ticket.id, city=city_name(ticket.city_id), days=answer_days(ticket.city_id)),
        buttons=done_button(language),
    )


def _show_contact(dispatcher, city_id: str, language: str) -> None:
    from actions.answers import ActionAnswer  # that module calls this one

    ActionAnswer().human_contact(dispatcher, city_id, language)


def deliver_here(session, dispatcher: CollectingDispatcher, conversation_id: str) -> None:
    """Staff replies not yet delivered (the REST channel, or a push that failed) come with
    the bot's next answer to the person."""
    for pending in tickets.undelivered(session, conversation_id=conversation_id):
        if tickets.claim(session, pending.message_id):
            dispatcher.utter_message(text=reply_text(pending.text, pending.language, pending.ticket_id))


# --- what the conversation said ------------------------------------------------------------

CHATTER = {"ask_human", "greet", "goodbye", "thank", "affirm", "deny", "help", "choose_language", "inform_city", "bot_challenge"}


def last_question(tracker: Tracker) -> Tuple[Optional[str], Optional[str]]:
    """The person's last written question before asking for a person (as stored: scrubbed),
    and the intent it was understood as; (None, None) when there is none."""
    users = [e for e in tracker.events if e.get("event") == "user"][:-1]
    for event in reversed(users):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        written = event.get("text") or ""
        if written and is_typed(event) and intent not in CHATTER and len(written.split()) >= 2:
            return scrub(written)[: tickets.MAX_TEXT_CHARS], intent
    return None, None


def excerpt_of(tracker: Tracker) -> List[Dict[str, str]]:
    """The last turns before the person asked for a person, scrubbed as the tracker store
    scrubs (the handoff's own steps are not part of the question's context)."""
    events = list(tracker.events)
    asked = [i for i, e in enumerate(events) if e.get("event") == "user"
             and ((e.get("parse_data") or {}).get("intent") or {}).get("name") == "ask_human"]
    turns = []
    for event in events[: asked[-1]] if asked else events:
        if event.get("event") in ("user", "bot") and event.get("text") and is_typed(event):
            who = "person" if event["event"] == "user" else "bot"
            turns.append({"who": who, "text": scrub(event["text"])[:EXCERPT_CHARS]})
    return turns[-EXCERPT_TURNS:]
