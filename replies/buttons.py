"""The bot's buttons: themes, categories, topics, languages, cities."""
import json
from typing import Dict, Iterable, List, Optional

from knowledge.taxonomy import load_taxonomy
from replies.texts import language_name, text


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
