"""How a knowledge-base entry reads in the user's language, and the bot's buttons."""
import json
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional

from bot.texts import language_name, text
from knowledge import opening_hours
from knowledge.models import City, Entry
from knowledge.taxonomy import load_taxonomy

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


def city_name(city_id: str) -> str:
    city = load_taxonomy().cities.get(city_id)
    return city.name if city else city_id


def category_buttons(categories: List[str], language: str) -> List[Dict[str, str]]:
    return [{"title": text(f"category_{c}", language), "payload": f"/{c}"} for c in categories]


def topic_buttons(intents: List[str], language: str) -> List[Dict[str, str]]:
    """Buttons for service categories, "talk to a person" for ask_human."""
    return [
        {"title": text("button_person", language), "payload": "/ask_human"} if intent == "ask_human"
        else category_buttons([intent], language)[0]
        for intent in intents
    ]


def theme_buttons(language: str) -> List[Dict[str, str]]:
    return [
        {"title": text(f"theme_{theme}", language), "payload": "/help" + json.dumps({"theme": theme})}
        for theme in load_taxonomy().themes
    ]


def language_buttons() -> List[Dict[str, str]]:
    return [
        {"title": language_name(code), "payload": "/choose_language" + json.dumps({"language_choice": code})}
        for code in load_taxonomy().languages
    ]


def city_buttons(city_ids: Optional[Iterable[str]] = None) -> List[Dict[str, str]]:
    """A button per city: the given ones, or all the cities we know."""
    cities = load_taxonomy().cities
    return [
        {"title": cities[city_id].name, "payload": "/inform_city" + json.dumps({"city": city_id})}
        for city_id in (cities if city_ids is None else city_ids)
    ]
