"""How a knowledge-base entry reads in the user's language, as plain text (any channel)."""
from datetime import datetime, timezone
from typing import Dict, List, Optional

from knowledge import opening_hours
from knowledge.models import City, Entry
from replies.texts import language_name, text

DECIMAL_COMMA = frozenset({"fr", "nl", "uk", "ru", "es", "it", "el", "lv", "tr"})
DAY_KEYS = {day: f"day_{day}" for day in opening_hours.DAYS}


def render_entry(
    entry: Entry, language: str, city: Optional[City], now: datetime = None, distance_m: float = None,
) -> str:
    now = now or datetime.now(timezone.utc)
    entry_text, _ = entry.text_for_reader(language)
    lines = [entry_text.name if entry_text else entry.id]
    if distance_m is not None:
        lines.append(text("distance_from_you", language, distance=format_distance(distance_m, language)))
    if entry_text and entry_text.description:
        lines.append(entry_text.description)
    if entry.address:
        lines.append(f"{text('label_address', language)}: {entry.address}")
    if entry.opening_hours:
        lines.append(f"{text('label_hours', language)}: {format_hours(entry.opening_hours, language)}")
        if city is not None:
            state = opening_hours.is_open(entry.opening_hours, city.timezone, now)
            lines.append(text("open_now" if state else "closed_now", language))
    if entry.phone:
        lines.append(f"{text('label_phone', language)}: {entry.phone}")
    if entry.email:
        lines.append(f"{text('label_email', language)}: {entry.email}")
    if entry.website:
        lines.append(f"{text('label_website', language)}: {entry.website}")
    if entry.languages_spoken:
        names = ", ".join(language_name(code) for code in entry.languages_spoken)
        lines.append(f"{text('label_languages', language)}: {names}")
    if entry.verified_on:
        lines.append(text("verified_on", language, date=entry.verified_on.isoformat()))
    return "\n".join(lines)


def reading_notes(entries: List[Entry], language: str) -> List[str]:
    """What the reader of an answer must know before acting on it, said once per answer
    (not under every entry): that something in it is not checked by staff, and in which
    other language an entry is shown when it has no text in theirs."""
    notes = []
    shown = [entry.text_for_reader(language) for entry in entries]
    if any(entry_text is not None and entry_text.is_unreviewed_translation() for entry_text, _ in shown):
        notes.append(text("unchecked_translation", language))  # also says: not checked by staff
    elif any(entry.verified_on is None for entry in entries):
        notes.append(text("not_verified", language))
    others = sorted({code for _, code in shown if code and code != language})
    if others:
        names = ", ".join(language_name(code) for code in others)
        notes.append(text("translation_missing", language, language=names))
    return notes


def format_distance(metres: float, language: str) -> str:
    """"350 m", "1.2 km" ("1,2 km" where a decimal comma is usual)."""
    if metres < 1000:
        return f"{max(50, int(round(metres / 50.0)) * 50)} m"
    kilometres = f"{metres / 1000:.1f}" if metres < 10_000 else f"{metres / 1000:.0f}"
    return (kilometres.replace(".", ",") if language in DECIMAL_COMMA else kilometres) + " km"


def format_hours(hours: Dict[str, List[str]], language: str) -> str:
    parts = []
    for day in opening_hours.DAYS:
        spans = hours.get(day)
        if spans:
            parts.append(f"{text(DAY_KEYS[day], language)} {', '.join(spans)}")
    return "; ".join(parts) or text("closed_today", language)
