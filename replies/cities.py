"""How the bot names cities, and the one question that asks for the user's city."""
from typing import Dict, List, Tuple

from knowledge.taxonomy import load_taxonomy
from replies.buttons import city_buttons
from replies.texts import text


def city_name(city_id: str) -> str:
    city = load_taxonomy().cities.get(city_id)
    return city.name if city else city_id


def known_cities() -> str:
    return ", ".join(c.name for c in load_taxonomy().cities.values())


def ask_city(language: str) -> Tuple[str, List[Dict[str, str]]]:
    """The question for the city (the city form, Telegram's /city): text and a button per city."""
    return f"{text('ask_city', language)} {text('city_options', language, cities=known_cities())}", city_buttons()


def city_unknown(language: str) -> Tuple[str, List[Dict[str, str]]]:
    """An answer that names no city we know: which ones we know, as text and buttons."""
    return text("city_unknown", language, cities=known_cities()), city_buttons()
