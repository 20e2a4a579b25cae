"""SQLAlchemy models of the knowledge base (2.0-style declarative on SQLAlchemy 1.4)."""
import hashlib
from datetime import datetime, timezone
from typing import Dict, Iterable, Optional, Tuple

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class City(Base):
    __tablename__ = "cities"

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    country = Column(String(2), nullable=False)
    timezone = Column(String(64), nullable=False)
    local_languages = Column(JSON, nullable=False, default=list)
    # The entry given when a user asks to speak to a person (town hall, info desk).
    human_contact_entry_id = Column(String(120), nullable=True)

    entries = relationship("Entry", back_populates="city")


class Entry(Base):
    """One service a newcomer can go to, in one city and one category."""

    __tablename__ = "entries"

    id = Column(String(120), primary_key=True)
    city_id = Column(String(64), ForeignKey("cities.id"), nullable=False)
    category = Column(String(64), nullable=False)
    address = Column(Text, nullable=True)
    latitude = Column(Float, nullable=True)
    longitude = Column(Float, nullable=True)
    phone = Column(String(64), nullable=True)
    email = Column(String(254), nullable=True)
    website = Column(String(500), nullable=True)
    # {"mon": ["09:00-12:00", "13:00-16:00"], ...}; a missing day is closed; None is unknown.
    opening_hours = Column(JSON, nullable=True)
    languages_spoken = Column(JSON, nullable=False, default=list)
    source = Column(Text, nullable=True)
    verified_on = Column(Date, nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    priority = Column(Integer, nullable=False, default=0)
    # A suicide-prevention or crisis line: the bot lists these when someone writes about
    # suicide (queries.crisis_lines), whatever category the entry is in.
    crisis_line = Column(Boolean, nullable=False, default=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    city = relationship("City", back_populates="entries")
    texts = relationship(
        "EntryText", back_populates="entry", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (Index("ix_entries_city_category", "city_id", "category", "active"),)

    def texts_by_language(self) -> Dict[str, "EntryText"]:
        return {t.language: t for t in self.texts}

    def text_for_reader(self, language: str) -> Tuple[Optional["EntryText"], Optional[str]]:
        """The text a reader of `language` is shown, and the language it is in (see
        language_to_show); (None, None) when the entry has no text at all."""
        texts = self.texts_by_language()
        local = self.city.local_languages if self.city is not None else []
        shown = language_to_show(language, local, texts)
        return (texts[shown], shown) if shown else (None, None)

    def is_outdated(self, text: "EntryText") -> bool:
        """A translation whose source text changed (or went) since it was made."""
        if not text.translated_from:
            return False
        source = self.texts_by_language().get(text.translated_from)
        return source is None or source.fingerprint() != text.source_fingerprint

    def translation_state(self, language: str) -> str:
        """For coverage: missing, outdated, unreviewed (a draft) or translated (an original,
        or a translation staff wrote, imported or checked)."""
        text = self.texts_by_language().get(language)
        if text is None:
            return MISSING
        if self.is_outdated(text):
            return OUTDATED
        return UNREVIEWED if text.status == DRAFT else TRANSLATED


def language_to_show(reader: str, city_languages: Iterable[str], available: Iterable[str]) -> Optional[str]:
    """The one fallback order of every channel and of the fault replies: the reader's
    language, else English, else the city's language(s), else any (alphabetically)."""
    available = set(available)
    for code in [reader, "en", *city_languages, *sorted(available)]:
        if code in available:
            return code
    return None


# Who or what made an entry text (EntryText.status).
STAFF = "staff"  # written or checked by city staff in the admin
IMPORTED = "imported"  # came in a file (a spreadsheet, a city file) without a status of its own
DRAFT = "draft"  # a translation nobody has reviewed yet
TEXT_STATUSES = (STAFF, IMPORTED, DRAFT)
# Translation states counted by `inclubot kb coverage` (Entry.translation_state).
TRANSLATED, UNREVIEWED, OUTDATED, MISSING = "translated", "unreviewed", "outdated", "missing"


def text_fingerprint(name: str, description: str) -> str:
    """What a translation remembers of its source: when the source's fingerprint no longer
    matches, the translation is outdated."""
    content = f"{name or ''}\x1f{description or ''}".encode("utf-8")
    return hashlib.sha256(content).hexdigest()[:16]


class EntryText(Base):
    """An entry's name and description in one language, with where they come from."""

    __tablename__ = "entry_texts"

    entry_id = Column(String(120), ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    language = Column(String(8), primary_key=True)
    name = Column(Text, nullable=False)
    description = Column(Text, nullable=False, default="")
    status = Column(String(16), nullable=False, default=IMPORTED)
    # The language this text was translated from (None: an original), and the fingerprint
    # of that source text when it was translated.
    translated_from = Column(String(8), nullable=True)
    source_fingerprint = Column(String(64), nullable=True)
    updated_at = Column(DateTime(timezone=True), nullable=True, default=utcnow)
    reviewed_by = Column(String(120), nullable=True)
    reviewed_on = Column(Date, nullable=True)

    entry = relationship("Entry", back_populates="texts")

    def fingerprint(self) -> str:
        return text_fingerprint(self.name, self.description)

    def is_unreviewed_translation(self) -> bool:
        """What a reader must be told about: a draft, or a translation whose source changed."""
        return self.status == DRAFT or self.entry.is_outdated(self)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(120), unique=True, nullable=False)
    password_hash = Column(String(300), nullable=False)
    role = Column(String(20), nullable=False)  # "editor" (one city) or "coordinator" (all)
    city_id = Column(String(64), ForeignKey("cities.id"), nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # Sessions carry the generation they were opened in; bumping it ends them all
    # (log-out, a new password, deactivation): knowledge/staff.py end_sessions.
    session_generation = Column(Integer, nullable=False, default=0, server_default="0")
    # The admin's language for this account (None: the browser's Accept-Language), and the
    # city a coordinator last chose on the home page (an editor always has their own).
    admin_language = Column(String(8), nullable=True)
    home_city_id = Column(String(64), nullable=True)


class AuditLog(Base):
    """Who changed what and when; written in the same transaction as the change."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor = Column(String(120), nullable=False)
    action = Column(String(40), nullable=False)
    entry_id = Column(String(120), nullable=True)
    city_id = Column(String(64), nullable=True)
    changes = Column(JSON, nullable=True)


class UnansweredQuestion(Base):
    """A question the bot could not answer, scrubbed of personal data before it is stored."""

    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    asked_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    city_id = Column(String(64), nullable=True)
    language = Column(String(8), nullable=True)
    text = Column(Text, nullable=False)
    intent = Column(String(64), nullable=True)
    confidence = Column(Float, nullable=True)


class QuestionEvent(Base):
    """One answered question, counted per category, city and language; no text, no user."""

    __tablename__ = "question_events"

    id = Column(Integer, primary_key=True)
    asked_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    city_id = Column(String(64), nullable=True)
    language = Column(String(8), nullable=True)
    category = Column(String(64), nullable=False)
