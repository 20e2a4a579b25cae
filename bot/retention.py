"""How long what users write is kept: conversations and unanswered questions are deleted
once they are older than the retention period (INCLUBOT_RETENTION_DAYS, 30 days by default),
and one person's conversation (with their handoff tickets) at once when they ask for it (by its namespaced id, e.g.
`tg:<chat id>`: bot/conversation_ids.py).

Run by `inclubot privacy purge` (daily in production: a CronJob in deploy/; at every start
of `inclubot run`) and `inclubot privacy forget ID`. Counts of answered questions (no text,
no user) are kept for staff; unanswered questions are scrubbed and not linked to anyone.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import delete

from bot import conversation_ids, settings
from bot.conversation_db import EVENTS_TABLE, conversation_key, prepared_url, pseudonym, tracker_store_url
from knowledge import tickets
from knowledge.db import session_scope
from knowledge.models import UnansweredQuestion

@dataclass(frozen=True)
class Purged:
    events: int
    unanswered_questions: int
    cutoff: datetime
    tickets: int = 0

    def describe(self) -> str:
        return (
            f"deleted what was older than {self.cutoff:%Y-%m-%d %H:%M} UTC: "
            f"{self.events} conversation event(s), {self.unanswered_questions} unanswered question(s); "
            f"{self.tickets} handoff ticket(s) closed more than {settings.ticket_retention_days()} days ago"
        )


def purge(older_than_days: int, tracker_url: str = None, knowledge_url: str = None, now: datetime = None) -> Purged:
    if older_than_days < 1:
        raise ValueError("the retention period must be at least 1 day")
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=older_than_days)
    with session_scope(knowledge_url) as session:  # INCLUBOT_TICKET_RETENTION_DAYS after closing
        purged_tickets = tickets.purge(session, settings.ticket_retention_days(), now=now)
    return Purged(
        events=_purge_events(tracker_url or tracker_store_url(), cutoff),
        unanswered_questions=_purge_unanswered(knowledge_url, cutoff),
        cutoff=cutoff,
        tickets=purged_tickets,
    )


def _purge_events(url: str, cutoff: datetime) -> int:
    """Every tracker event older than the cutoff. Slots a conversation still uses survive:
    Rasa sets them again at the start of each session (carry_over_slots_to_new_session)."""
    engine = sa.create_engine(prepared_url(url), future=True, hide_parameters=True)
    try:
        if not sa.inspect(engine).has_table(EVENTS_TABLE):
            return 0  # no conversation stored yet
        events = sa.table(EVENTS_TABLE, sa.column("timestamp"))
        with engine.begin() as connection:
            return connection.execute(delete(events).where(events.c.timestamp < cutoff.timestamp())).rowcount
    finally:
        engine.dispose()


def forget(conversation_id: str, tracker_url: str = None) -> int:
    """Deletes every stored event of one conversation, all its sessions (a person's request
    to erase their data). The id with its channel's namespace (`tg:<chat id>`, `web:<session>`,
    `rest:<sender>`): a bare number could be anyone's on any channel.
    Returns how many events were deleted."""
    namespace, _ = conversation_ids.split(conversation_id.strip())
    if namespace is None:
        raise ValueError(f"give the conversation id with its channel: {conversation_ids.FORM_HELP}")
    conversation_id = conversation_id.strip()
    engine = sa.create_engine(prepared_url(tracker_url or tracker_store_url()), future=True, hide_parameters=True)
    try:
        if not sa.inspect(engine).has_table(EVENTS_TABLE):
            return 0
        events = sa.table(EVENTS_TABLE, sa.column("sender_id"))
        stored_id = pseudonym(conversation_id, conversation_key())
        with engine.begin() as connection:
            return connection.execute(delete(events).where(events.c.sender_id == stored_id)).rowcount
    finally:
        engine.dispose()


def forget_person(conversation_id: str, tracker_url: str = None, knowledge_url: str = None) -> (int, int):
    """A person's request to be forgotten: their conversation's events and their handoff
    tickets; (events, tickets) deleted."""
    events = forget(conversation_id, tracker_url)
    with session_scope(knowledge_url) as session:
        deleted_tickets = tickets.forget(session, conversation_id.strip())
    return events, deleted_tickets


def _purge_unanswered(url: str, cutoff: datetime) -> int:
    with session_scope(url) as session:
        return session.execute(delete(UnansweredQuestion).where(UnansweredQuestion.asked_at < cutoff)).rowcount
