"""A person who names the Brussels-Capital Region (19 communes) instead of a commune is asked
which commune they live in, with the two served here as buttons; the bot never silently takes
the region for the City of Brussels. End to end through the REST webhook."""
import json

import pytest

from replies.texts import text
from conftest import buttons_of
from test_conversations import best_names

COMMUNE_BUTTONS = ["/inform_city" + json.dumps({"city": c}) for c in ("brussels", "schaerbeek")]


def assert_asks_for_the_commune(messages, language):
    said = "\n".join(m.get("text", "") for m in messages)
    assert text("brussels_region_commune", language) in said, said
    assert [b["payload"] for b in buttons_of(messages)] == COMMUNE_BUTTONS


@pytest.mark.parametrize(
    "language, message",
    [
        ("fr", "J'habite dans la Région de Bruxelles-Capitale"),
        ("nl", "Ik woon in het Brussels Hoofdstedelijk Gewest"),
        ("ru", "Я живу в Брюссельском регионе"),
        ("ar", "أسكن في منطقة بروكسل العاصمة"),
    ],
)
def test_naming_the_region_asks_for_the_commune(chat, language, message):
    user = chat()
    assert_asks_for_the_commune(user.send(message), language)
    assert user.slot("city") is None


def test_the_region_as_answer_to_the_city_question_then_a_commune_button(chat, session_db):
    user = chat()
    assert text("ask_city", "en") in user.say("I need a doctor")
    assert_asks_for_the_commune(user.send("Bruxelles-Capitale"), "en")
    assert user.slot("city") is None
    answer = user.say(COMMUNE_BUTTONS[1])  # the user presses "Schaerbeek"
    for name in best_names(session_db, "schaerbeek", "health", "en"):
        assert name in answer
    assert user.slot("city") == "schaerbeek"


def test_a_question_naming_the_region_asks_for_the_commune_first(chat, session_db):
    user = chat()
    assert_asks_for_the_commune(user.send("I need a doctor in the Brussels region"), "en")
    answer = user.say("Brussels")
    for name in best_names(session_db, "brussels", "health", "en"):
        assert name in answer


@pytest.mark.parametrize("city, typed", [("brussels", "Bruxelles"), ("schaerbeek", "Schaerbeek")])
def test_naming_a_commune_still_chooses_it(chat, session_db, city, typed):
    user = chat()
    user.say("I need a doctor")
    answer = user.say(typed)
    assert text("brussels_region_commune", "en") not in answer
    for name in best_names(session_db, city, "health", "en"):
        assert name in answer


def test_the_region_is_asked_about_even_when_the_page_is_the_city_of_brussels(chat):
    # The Brussels demo page sets the city; a person from another commune says where they live.
    user = chat({"city": "brussels"})
    assert_asks_for_the_commune(user.send("I need a doctor in the Brussels region"), "en")
    assert "Schaerbeek" in user.say(COMMUNE_BUTTONS[1])
    assert user.slot("city") == "schaerbeek"
