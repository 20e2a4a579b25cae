"""Handoff tickets: a person's question handed to their city's staff, and the exchange after.

A ticket's life: `draft` (the bot is asking for consent, then the question; staff do not
see it) -> `open` (the person wrote last: staff should answer) <-> `waiting` (staff answered:
waiting for the person) -> `closed` (by staff, with a reason, or by the person: /done).

A ticket is personal data: it holds the conversation id its replies go to (`tg:<chat id>`,
`web:<session>`), the question (scrubbed unless the person chose to keep a phone number in
it for a call-back) and a scrubbed excerpt of the conversation. It is deleted with the
conversation (`forget`) and some time after it is closed (`purge`).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, relationship

from knowledge.models import Base, utcnow

DRAFT, OPEN, WAITING, CLOSED = "draft", "open", "waiting", "closed"
STAFF_STATUSES = (OPEN, WAITING, CLOSED)  # what staff see and filter by
# Where a draft stands: consent asked, question asked, question shown back for sending.
CONSENT, QUESTION, CONFIRM = "consent", "question", "confirm"
PERSON = "person"  # TicketMessage.author of what the person wrote; staff: their username
MAX_TEXT_CHARS = 5000  # the channels' limit on a message (bot/channels/message_guard.py)
DRAFT_HOURS = 24  # a consent never completed is dropped after this


class TicketError(ValueError):
    """A request about a ticket that cannot be done; the message says why, for staff."""


class Ticket(Base):
    __tablename__ = "handoff_tickets"

    id = Column(Integer, primary_key=True)
    city_id = Column(String(64), nullable=False)
    language = Column(String(8), nullable=False)
    channel = Column(String(16), nullable=False)  # telegram | widget | rest
    conversation_id = Column(String(200), nullable=False, index=True)
    status = Column(String(16), nullable=False, default=DRAFT)
    stage = Column(String(16), nullable=True)  # of a draft
    question = Column(Text, nullable=True)
    category = Column(String(64), nullable=True)  # the service category the question was understood as
    # The person chose to send the question as written (with a phone number for a call-back).
    keeps_personal_data = Column(Boolean, nullable=False, default=False)
    excerpt = Column(JSON, nullable=False, default=list)  # [{"who": "person"|"bot", "text": ...}], scrubbed
    assigned_to = Column(String(120), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    closed_at = Column(DateTime(timezone=True), nullable=True)
    close_reason = Column(Text, nullable=True)

    messages = relationship(
        "TicketMessage", back_populates="ticket", cascade="all, delete-orphan",
        order_by="TicketMessage.id", lazy="selectin",
    )

    def as_dict(self) -> Dict:
        return {
            "id": self.id, "city": self.city_id, "language": self.language, "channel": self.channel,
            "status": self.status, "question": self.question, "category": self.category, "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at), "assigned_to": self.assigned_to,
            "closed_at": _iso(self.closed_at), "close_reason": self.close_reason,
            "messages": [m.as_dict() for m in self.messages],
        }


class TicketMessage(Base):
    """What the person added after the question, and the staff's replies."""

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    author = Column(String(120), nullable=False)  # PERSON, or the staff member's username
    text = Column(Text, nullable=False)
    # A staff reply: when it reached the person's chat (None: not yet).
    delivered_at = Column(DateTime(timezone=True), nullable=True)
    # Set by the admin's reply form, so that a form sent twice is one reply.
    reply_key = Column(String(64), nullable=True)

    ticket = relationship("Ticket", back_populates="messages")
    __table_args__ = (UniqueConstraint("ticket_id", "reply_key", name="uq_handoff_messages_reply_key"),)

    @property
    def from_staff(self) -> bool:
        return self.author != PERSON

    def as_dict(self) -> Dict:
        return {"id": self.id, "at": _iso(self.at), "author": self.author, "text": self.text,
                "delivered_at": _iso(self.delivered_at)}


def _iso(moment: Optional[datetime]) -> Optional[str]:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()


def channel_of(conversation_id: str) -> str:
    from bot.conversation_ids import split

    namespace, _ = split(conversation_id)
    return {"tg": "telegram", "web": "widget", "rest": "rest"}.get(namespace, "other")


# --- the person's side (the bot) -------------------------------------------------------

def current(session: Session, conversation_id: str) -> Optional[Ticket]:
    """The conversation's draft or open/waiting ticket, if any (at most one at a time)."""
    return session.execute(
        select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status != CLOSED)
        .order_by(Ticket.id.desc()).limit(1)
    ).scalar_one_or_none()


def start_draft(session: Session, conversation_id: str, city_id: str, language: str) -> Ticket:
    """Consent asked: a draft that holds nothing the person wrote yet."""
    session.execute(delete(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status == DRAFT))
    ticket = Ticket(city_id=city_id, language=language, channel=channel_of(conversation_id),
                    conversation_id=conversation_id, status=DRAFT, stage=CONSENT, excerpt=[])
    session.add(ticket)
    session.flush()
    return ticket


def open_ticket(session: Session, ticket: Ticket, excerpt: List[Dict[str, str]]) -> Ticket:
    if not (ticket.question or "").strip():
        raise TicketError("a ticket needs a question")
    now = utcnow()
    ticket.status, ticket.stage, ticket.excerpt = OPEN, None, excerpt
    ticket.created_at = ticket.updated_at = now
    return ticket


def add_from_person(session: Session, ticket: Ticket, text: str) -> TicketMessage:
    """What the person writes while the ticket is open: scrubbed like the question, unless
    they chose to send it as written (a phone number for a call-back)."""
    from bot.scrubbing import scrub

    text = _checked_text(text)
    message = TicketMessage(ticket_id=ticket.id, author=PERSON, text=text if ticket.keeps_personal_data else scrub(text))
    session.add(message)
    ticket.status, ticket.updated_at = OPEN, utcnow()
    return message


def close_by_person(session: Session, ticket: Ticket) -> None:
    ticket.status, ticket.closed_at, ticket.updated_at = CLOSED, utcnow(), utcnow()
    ticket.close_reason = "ended by the person"


# --- the staff's side (admin and CLI) -----------------------------------------------------

def visible_tickets(session: Session, cities: Optional[List[str]] = None, status: Optional[str] = None,
                    language: Optional[str] = None, older_than_days: Optional[int] = None) -> List[Ticket]:
    """Tickets staff may see (never drafts), newest first; `cities` None means every city."""
    query = select(Ticket).where(Ticket.status != DRAFT).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if cities is not None:
        query = query.where(Ticket.city_id.in_(cities))
    if status:
        query = query.where(Ticket.status == status)
    if language:
        query = query.where(Ticket.language == language)
    if older_than_days:
        query = query.where(Ticket.created_at < utcnow() - timedelta(days=older_than_days))
    return list(session.execute(query).scalars())


def open_count(session: Session, cities: Optional[List[str]] = None) -> int:
    query = select(func.count()).select_from(Ticket).where(Ticket.status == OPEN)
    if cities is not None:
        query = query.where(Ticket.city_id.in_(cities))
    return session.execute(query).scalar_one()


def for_staff(session: Session, ticket_id, cities: Optional[List[str]] = None) -> Ticket:
    """The ticket, if it exists and belongs to one of `cities` (None: any); TicketError says why not."""
    try:
        number = int(str(ticket_id).strip())
    except ValueError:
        raise TicketError(f"{ticket_id!r} is not a ticket number") from None
    ticket = session.get(Ticket, number) if 0 < number < 2**31 else None
    if ticket is None or ticket.status == DRAFT:
        raise TicketError(f"there is no ticket {number}")
    if cities is not None and ticket.city_id not in cities:
        raise PermissionError(f"ticket {number} belongs to another city")
    return ticket


def _checked_text(text) -> str:
    if not isinstance(text, str):
        raise TicketError("the text must be text")
    text = text.replace("\x00", "").strip()
    if not text:
        raise TicketError("the reply is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise TicketError(f"the reply is too long ({len(text)} characters; at most {MAX_TEXT_CHARS})")
    return text


def reply(session: Session, ticket: Ticket, author: str, text: str, reply_key: Optional[str] = None) -> Tuple[TicketMessage, bool]:
    """A staff reply, stored for delivery, and whether it is new. A closed ticket takes none;
    the same form sent twice (same `reply_key`) is one reply."""
    text = _checked_text(text)
    if ticket.status == CLOSED:
        raise TicketError(f"ticket {ticket.id} is closed: the reply was not sent")
    if reply_key:
        existing = session.execute(select(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.reply_key == reply_key)).scalar_one_or_none()
        if existing is not None:
            return existing, False
    message = TicketMessage(ticket_id=ticket.id, author=author, text=text, reply_key=reply_key)
    session.add(message)
    ticket.status, ticket.updated_at = WAITING, utcnow()
    try:
        session.flush()
    except IntegrityError:  # the same form, sent at the same moment by a second request
        raise TicketError("this reply was already sent") from None
    return message, True


def assign(session: Session, ticket: Ticket, username: str) -> None:
    ticket.assigned_to, ticket.updated_at = username, utcnow()


def close(session: Session, ticket: Ticket, reason: str) -> None:
    if ticket.status == CLOSED:
        raise TicketError(f"ticket {ticket.id} is already closed")
    reason = (reason or "").strip()[:500] or "closed by staff"
    ticket.status, ticket.close_reason = CLOSED, reason
    ticket.closed_at = ticket.updated_at = utcnow()


# --- delivery (bot/handoff_delivery.py) ------------------------------------------------

@dataclass(frozen=True)
class PendingReply:
    message_id: int
    ticket_id: int
    conversation_id: str
    language: str
    text: str


def undelivered(session: Session, conversation_id: Optional[str] = None, ticket_id: Optional[int] = None) -> List[PendingReply]:
    query = (
        select(TicketMessage, Ticket).join(Ticket, TicketMessage.ticket_id == Ticket.id)
        .where(TicketMessage.author != PERSON, TicketMessage.delivered_at.is_(None))
        .order_by(TicketMessage.id)
    )
    if conversation_id is not None:
        query = query.where(Ticket.conversation_id == conversation_id)
    if ticket_id is not None:
        query = query.where(Ticket.id == ticket_id)
    return [PendingReply(m.id, t.id, t.conversation_id, t.language, m.text) for m, t in session.execute(query)]


def claim(session: Session, message_id: int) -> bool:
    """Marks a reply delivered before it is sent: of two deliveries at once, one sends it."""
    result = session.execute(
        update(TicketMessage).where(TicketMessage.id == message_id, TicketMessage.delivered_at.is_(None))
        .values(delivered_at=utcnow())
    )
    session.commit()
    return result.rowcount == 1


def unclaim(session: Session, message_id: int) -> None:
    """The send failed: the reply waits for the next delivery."""
    session.execute(update(TicketMessage).where(TicketMessage.id == message_id).values(delivered_at=None))
    session.commit()


# --- privacy --------------------------------------------------------------------------------

def forget(session: Session, conversation_id: str) -> int:
    """Every ticket of a conversation (the person asked to be forgotten); how many."""
    ids = list(session.execute(select(Ticket.id).where(Ticket.conversation_id == conversation_id)).scalars())
    if ids:
        session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(ids)))
        session.execute(delete(Ticket).where(Ticket.id.in_(ids)))
    return len(ids)


def purge(session: Session, closed_days: int, now: datetime = None) -> int:
    """Tickets closed more than `closed_days` ago, and drafts never completed; how many."""
    now = now or utcnow()
    old = select(Ticket.id).where(
        ((Ticket.status == CLOSED) & (Ticket.closed_at < now - timedelta(days=closed_days)))
        | ((Ticket.status == DRAFT) & (Ticket.updated_at < now - timedelta(hours=DRAFT_HOURS)))
    )
    ids = list(session.execute(old).scalars())
    if ids:
        session.execute(delete(TicketMessage).where(TicketMessage.ticket_id.in_(ids)))
        session.execute(delete(Ticket).where(Ticket.id.in_(ids)))
    return len(ids)
