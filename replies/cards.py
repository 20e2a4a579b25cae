"""An answer as a card: the structured reply the widget and Telegram draw (name in bold, a
line or two of what it offers, call / map / website buttons, "more" for the rest).

A card travels in the message's custom payload, `{"card": {...}}`, beside the plain text
that every other channel shows (replies/rendering.py's render_entry). Everything here is
data from the knowledge base, never markup: each channel escapes it its own way.
"""
import re
from datetime import datetime, timezone
from typing import Dict, List, Optional
from urllib.parse import quote

from knowledge import opening_hours
from knowledge.models import City, Entry
from replies.texts import language_name, text

SUMMARY_CHARS = 160  # about two lines on a phone
PHONE_SEPARATORS = re.compile(r"\s*(?:/|,|;|\bor\b|\bou\b|\bof\b)\s*")
SENTENCE_END = re.compile(r"(?<=[.!?。؟])\s")
CARD_LABELS = ("card_call", "card_map", "card_website", "card_more", "card_email", "listen")


def labels(language: str) -> Dict[str, str]:
    """The card's button words in the reader's language, sent with it (a channel need not
    know the conversation's language to draw it)."""
    return {key.replace("card_", "", 1): text(key, language) for key in CARD_LABELS}


def phone_numbers(phone: Optional[str]) -> List[Dict[str, str]]:
    """Each number of a phone field as shown and as dialled: "+32 2 218 38 35" -> tel
    "+3222183835"; short numbers (112, 1813) too."""
    numbers = []
    for part in PHONE_SEPARATORS.split(phone or ""):
        dialled = re.sub(r"[^\d+]", "", part)
        if len(dialled.lstrip("+")) >= 2:
            numbers.append({"number": part.strip(), "tel": dialled})
    return numbers


def map_link(entry: Entry) -> Optional[str]:
    """OpenStreetMap at the entry's coordinates, else a search for its address (a link
    only: the widget loads no map tiles)."""
    if entry.latitude is not None and entry.longitude is not None:
        lat, lon = f"{entry.latitude:.5f}", f"{entry.longitude:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
    if entry.address:
        return "https://www.openstreetmap.org/search?query=" + quote(entry.address)
    return None


def summary(description: str) -> str:
    """The first sentence (or two short ones) of a description, at most SUMMARY_CHARS."""
    description = " ".join((description or "").split())
    if len(description) <= SUMMARY_CHARS:
        return description
    shown = ""
    for sentence in SENTENCE_END.split(description):
        if shown and len(shown) + 1 + len(sentence) > SUMMARY_CHARS:
            break
        shown = f"{shown} {sentence}".strip()
    if len(shown) > SUMMARY_CHARS:
        shown = shown[:SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"
    return shown


def entry_card(entry: Entry, language: str, city: Optional[City], now: datetime = None, distance_m: float = None) -> Dict:
    """The card of one entry: name, summary, open now, actions; `details` for "more"."""
    from replies.rendering import format_distance, format_hours  # one copy of each format

    now = now or datetime.now(timezone.utc)
    entry_text, _ = entry.text_for_reader(language)
    description = entry_text.description if entry_text else ""
    short = summary(description)
    details = []
    if description and description != short:
        details.append(description)
    if entry.address:
        details.append(f"{text('label_address', language)}: {entry.address}")
    if entry.opening_hours:
        details.append(f"{text('label_hours', language)}: {format_hours(entry.opening_hours, language)}")
    if entry.languages_spoken:
        names = ", ".join(language_name(code) for code in entry.languages_spoken)
        details.append(f"{text('label_languages', language)}: {names}")
    if entry.verified_on:
        details.append(text("verified_on", language, date=entry.verified_on.isoformat()))
    state = None
    if entry.opening_hours and city is not None:
        state = text("open_now" if opening_hours.is_open(entry.opening_hours, city.timezone, now) else "closed_now", language)
    return {
        "kind": "service",
        "name": entry_text.name if entry_text else entry.id,
        "summary": short,
        "distance": text("distance_from_you", language, distance=format_distance(distance_m, language)) if distance_m is not None else None,
        "open": state,
        "phones": phone_numbers(entry.phone),
        "map": map_link(entry),
        "website": entry.website or None,
        "email": entry.email or None,
        "details": details,
        "labels": labels(language),
        "language": language,
        "feedback": {"city": entry.city_id, "category": entry.category},  # what a thumbs up/down counts
    }


def emergency_card(language: str) -> Dict:
    """The red card of an emergency: 112 first and big."""
    return {
        "kind": "emergency",
        "phones": [{"number": "112", "tel": "112", "label": text("card_call_112", language)}],
        "labels": labels(language),
        "language": language,
    }


def numbers_card(title: str, entries: List[Entry], language: str) -> Dict:
    """Urgent numbers of a city (or crisis lines): one call button each."""
    phones = []
    for entry in entries:
        entry_text, _ = entry.text_for_reader(language)
        for number in phone_numbers(entry.phone):
            phones.append({**number, "label": entry_text.name if entry_text else entry.id})
    return {"kind": "numbers", "name": title, "phones": phones, "labels": labels(language), "language": language}
