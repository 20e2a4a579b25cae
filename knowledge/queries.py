"""What the bot asks of the knowledge base. Actions call these; they hold no SQL themselves."""
import re
import unicodedata
from typing import List, Optional, Tuple

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from knowledge.geo import distance_m
from knowledge.models import City, Entry, QuestionEvent, UnansweredQuestion

_WORD = re.compile(r"\w{4,}", re.UNICODE)
MAX_SEARCH_WORDS = 8


def get_city(session: Session, city_id: str) -> Optional[City]:
    return session.get(City, city_id) if city_id else None


def _best_first() -> tuple:
    """Staff-set priority, then entries verified by staff (most recent first), then entries
    with a way to reach them (phone, website, address), then by id for stability."""
    reachable = case(
        (or_(Entry.phone.isnot(None), Entry.website.isnot(None), Entry.address.isnot(None)), 1),
        else_=0,
    )
    return (
        Entry.priority.desc(),
        Entry.verified_on.is_(None),
        Entry.verified_on.desc(),
        reachable.desc(),
        Entry.id,
    )


def services_for(session: Session, city_id: str, category: str, limit: int = 3) -> List[Entry]:
    """Active entries of a city and category, best first (see _best_first)."""
    statement = (
        select(Entry)
        .where(Entry.city_id == city_id, Entry.category == category, Entry.active.is_(True))
        .order_by(*_best_first())
        .limit(limit)
    )
    return list(session.execute(statement).scalars())


def crisis_lines(session: Session, city_id: str) -> List[Entry]:
    """The city's active suicide-prevention / crisis lines that have a phone number, best
    first (as services_for), whatever their category: for someone who writes about suicide."""
    statement = (
        select(Entry)
        .where(
            Entry.city_id == city_id, Entry.active.is_(True), Entry.crisis_line.is_(True),
            Entry.phone.isnot(None), Entry.phone != "",
        )
        .order_by(*_best_first())
    )
    return list(session.execute(statement).scalars())


def nearest_services(
    session: Session, city_id: str, category: str, latitude: float, longitude: float, limit: int = 3,
) -> List[Tuple[Entry, float]]:
    """Active entries of a city and category that have coordinates, nearest first, with their
    distance in metres. Entries without coordinates cannot be ranked and are left out."""
    statement = select(Entry).where(
        Entry.city_id == city_id, Entry.category == category, Entry.active.is_(True),
        Entry.latitude.isnot(None), Entry.longitude.isnot(None),
    )
    located = [
        (entry, distance_m(latitude, longitude, entry.latitude, entry.longitude))
        for entry in session.execute(statement).scalars()
    ]
    return sorted(located, key=lambda pair: (pair[1], pair[0].id))[:limit]


def count_services(session: Session, city_id: str, category: str) -> int:
    statement = select(func.count()).select_from(Entry).where(
        Entry.city_id == city_id, Entry.category == category, Entry.active.is_(True)
    )
    return session.execute(statement).scalar_one()


def search(session: Session, city_id: str, text: str, limit: int = 3) -> List[Entry]:
    """Fallback text search in names and descriptions of a city's active entries.

    Ranked by how many of the message's words (4+ letters, accents ignored) an entry contains.
    """
    words = sorted({_fold(w) for w in _WORD.findall(text or "")}, key=len, reverse=True)[:MAX_SEARCH_WORDS]
    if not city_id or not words:
        return []
    candidates = session.execute(
        select(Entry).where(Entry.city_id == city_id, Entry.active.is_(True))
    ).scalars().all()
    scored = []
    for entry in candidates:
        haystack = _fold(" ".join(f"{t.name} {t.description}" for t in entry.texts))
        score = sum(1 for w in words if w in haystack)
        if score:
            scored.append((-score, -entry.priority, entry.id, entry))
    return [item[-1] for item in sorted(scored)[:limit]]


def human_contact(session: Session, city_id: str) -> Optional[Entry]:
    city = get_city(session, city_id)
    if city is None or not city.human_contact_entry_id:
        return None
    entry = session.get(Entry, city.human_contact_entry_id)
    return entry if entry is not None and entry.active else None


def record_question(session: Session, city_id: Optional[str], language: Optional[str], category: str) -> None:
    """Count an answered question for the staff statistics (no text, no user id)."""
    session.add(QuestionEvent(city_id=city_id, language=language, category=category))


def record_unanswered(
    session: Session, scrubbed_text: str, city_id: Optional[str], language: Optional[str],
    intent: Optional[str], confidence: Optional[float],
) -> None:
    """Log a question the bot could not answer; the caller scrubs personal data first."""
    session.add(
        UnansweredQuestion(
            text=scrubbed_text[:500], city_id=city_id, language=language,
            intent=intent, confidence=confidence,
        )
    )


def _fold(text: str) -> str:
    """Lower case without accents, so 'medecin' finds 'médecin'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
