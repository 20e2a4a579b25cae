"""City, region and language names are found in every spelling the knowledge lists, inside a
sentence, inflected or with an Arabic preposition attached; a message that names none finds
none (bot/name_matching.py skips its Matcher when no word can begin a name)."""
import pytest

from bot.name_matching import default_matcher, find_cities, find_regions
from knowledge.city_regions import city_regions
from knowledge.taxonomy import city_spellings

SPELLINGS = [(city, spelling) for city, spellings in city_spellings().items() for spelling in spellings]


@pytest.mark.parametrize("city, spelling", SPELLINGS, ids=[f"{c}:{s}" for c, s in SPELLINGS])
def test_every_spelling_of_a_city_is_found_in_a_sentence(city, spelling):
    assert find_cities(f"I live in {spelling} now") == [city]


@pytest.mark.parametrize("message, city", [
    ("Я живу в Брюсселе", "brussels"),           # Russian ending
    ("dzīvoju Jelgavā", "jelgava"),              # Latvian ending
    ("Mechelen'de doktor arıyorum", "mechelen"),  # Turkish suffix after an apostrophe
    ("أعيش ببروكسل", "brussels"),                 # Arabic preposition attached
    ("SCHAERBEEK", "schaerbeek"),                # case
])
def test_inflected_and_attached_forms_are_found(message, city):
    assert find_cities(message) == [city]


REGION_NAMES = [(region.id, name) for region in city_regions().values() for name in region.names]


@pytest.mark.parametrize("region, name", REGION_NAMES, ids=[f"{r}:{n}" for r, n in REGION_NAMES])
def test_every_name_of_a_region_is_found_and_wins_over_its_city(region, name):
    message = f"je vis à {name}"  # "Brussels-Capital Region" names Brussels too
    assert find_regions(message) == [region] and find_cities(message) == []


def test_language_names_are_found():
    found = default_matcher().find("can you speak Arabic? по-русски")
    assert [(f["entity"], f["value"]) for f in found] == [("language_choice", "ar"), ("language_choice", "ru")]


@pytest.mark.parametrize("message", ["I need a doctor", "", "   ", "мне нужен врач", "أحتاج طبيب", "Brus", "melena"])
def test_a_message_naming_no_place_finds_none(message):
    assert find_cities(message) == [] and find_regions(message) == []
