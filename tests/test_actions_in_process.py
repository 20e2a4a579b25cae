"""The fast layer: the bot's actions run in this process, on a tracker as Rasa sends it
(rasa_sdk's Tracker.from_dict) and a CollectingDispatcher, against a real demo knowledge base
(SQLite, and PostgreSQL when configured). No model and no server: what a person would read,
in seconds. The end-to-end tests (test_understanding.py, test_conversations.py …) check the
same through the REST channel."""
from typing import Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswer, ActionEmergency
from knowledge import queries
from knowledge.db import get_engine, session_scope
from replies.texts import text


def parse(intent: str, confidence: float = 0.95, ranking: Optional[List] = None, language: str = "en",
          message: str = "", metadata: Optional[Dict] = None) -> Dict:
    ranking = ranking or [(intent, confidence)]
    return {
        "text": message, "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": name, "confidence": value} for name, value in ranking],
        "entities": [], "language": {"code": language, "confidence": 0.99}, "metadata": metadata or {},
    }


def run(action, latest: Dict, city: Optional[str] = "mechelen", language: Optional[str] = None) -> List[Dict]:
    """What the person is sent, message by message."""
    tracker = Tracker.from_dict({
        "sender_id": "rest:in-process",
        "events": [{"event": "user", "text": latest["text"], "parse_data": latest, "metadata": latest["metadata"]}], "slots": {"city": city, "language": language, "language_locked": False},
        "latest_message": latest, "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": "action_listen",
    })
    dispatcher = CollectingDispatcher()
    action.run(dispatcher, tracker, {})
    return dispatcher.messages


def texts(messages: List[Dict]) -> List[str]:
    return [m.get("text") or "" for m in messages]


@pytest.fixture(autouse=True)
def knowledge_base(demo_db, monkeypatch):
    monkeypatch.setenv("INCLUBOT_DATABASE_URL", demo_db)
    yield demo_db
    get_engine(demo_db).dispose()


def test_a_question_is_answered_with_the_citys_services_and_their_phone_numbers():
    said = texts(run(ActionAnswer(), parse("health", message="I need a doctor")))
    assert said[0] == text("services_intro", "en", category=text("category_health", "en"), city="Mechelen")
    assert any("AZ Sint-Maarten" in line for line in said)


def test_the_answer_is_in_the_persons_language_and_says_once_that_the_translation_is_unchecked():
    said = texts(run(ActionAnswer(), parse("health", language="uk", message="потрібен лікар")))
    assert said[0].startswith(text("category_health", "uk")), said
    assert any("лікарня" in line for line in said), said
    assert sum(text("unchecked_translation", "uk") in line for line in said) == 1


def test_danger_gets_112_first_then_the_citys_numbers():
    messages = run(ActionEmergency(), parse("emergency", message="my father fell and does not wake up"))
    said = texts(messages)
    assert said[0] == text("emergency", "en")
    assert any(text("emergency_city", "en", city="Mechelen") in line for line in said[1:])
    assert messages[0]["custom"]["card"]  # the 112 card the widget and Telegram show


@pytest.mark.parametrize("message", [
    "je veux mettre fin à mes jours ce soir",
    # a farewell without a word of suicide, read by the model as anything but mental health
    "j'ai laissé une lettre pour ma fille sur la table, dites-lui que je l'aime",
])
def test_suicide_intent_gets_the_countrys_crisis_line_in_the_persons_language(message):
    latest = parse("emergency", language="fr", message=message, ranking=[("emergency", 1.0), ("social_assistance", 0.25), ("housing", 0.2)])
    said = texts(run(ActionEmergency(), latest, city="schaerbeek"))
    assert said[0] == text("emergency", "fr")
    crisis = [line for line in said if text("crisis_line", "fr") in line]
    assert crisis, said
    with session_scope() as session:
        phones = [entry.phone for entry in queries.crisis_lines(session, "schaerbeek")]
    assert phones and all(phone in crisis[0] for phone in phones), crisis
    assert said.index(crisis[0]) > 1  # after 112 and the city's urgent numbers


def test_a_question_beside_the_danger_is_answered_after_the_numbers():
    latest = parse("emergency", message="my wife is bleeding a lot, and where do I find a doctor tomorrow",
                   ranking=[("emergency", 0.6), ("health", 0.35)])
    said = texts(run(ActionEmergency(), latest))
    assert said[0] == text("emergency", "en")
    assert text("after_emergency", "en") in said
    assert "AZ Sint-Maarten" in "\n".join(said[said.index(text("after_emergency", "en")):])


def test_a_cry_that_asks_nothing_gets_no_topic_the_model_guessed_beside_it():
    # The model's topic for a cry is noise here (a missing child read as school at 0.6):
    # after 112 and the numbers, nothing about schools.
    latest = parse("emergency", message="cant find my son in the market hes 4 he was holding my bag 1 min ago",
                   ranking=[("school", 0.6), ("social_activities", 0.2)])
    said = texts(run(ActionEmergency(), latest))
    assert said[0] == text("emergency", "en")
    assert text("after_emergency", "en") not in said, said
    assert not any(text("category_school", "en") in line for line in said), said


@pytest.mark.parametrize("language,message", [
    ("fa", "شوهرم الان منو میزنه، خونه امن برای زنها کجاست"),          # "kojast": where is
    ("ar", "jouzi 3am yedrabni hala2, wein fi malja2 lal nisa2"),        # Arabizi "wein": where
    ("el", "με χτυπάει τώρα, πού μπορώ να κοιμηθώ απόψε με τα παιδιά;"),  # the Greek question mark
    ("ru", "он бьёт меня прямо сейчас, где можно переночевать с детьми"),  # "где": where
])
def test_a_cry_that_asks_gets_its_question_answered_in_every_script(language, message):
    latest = parse("emergency", message=message, language=language, ranking=[("shelter", 0.45), ("housing", 0.2)])
    said = texts(run(ActionEmergency(), latest, language=language))
    assert said[0] == text("emergency", language)
    assert text("after_emergency", language) in said, said
    # then the shelter answer itself, in the person's language
    answer = "\n".join(said[said.index(text("after_emergency", language)) + 1:])
    assert text("category_shelter", language) in answer, said


def test_an_unsure_reading_offers_the_likeliest_topics_as_buttons():
    latest = parse("school", confidence=0.34, message="my son is 8 and stays home all day",
                   ranking=[("school", 0.34), ("social_activities", 0.31), ("social_assistance", 0.12)])
    messages = run(ActionAnswer(), latest)
    assert texts(messages) == [text("clarify", "en")]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert len(payloads) == 3 and payloads[0] == "/school"


def test_a_second_need_in_the_same_message_gets_a_button_of_its_own():
    latest = parse("health", confidence=0.6, message="a doctor, and a school for my son",
                   ranking=[("health", 0.6), ("school", 0.35)])
    messages = run(ActionAnswer(), latest)
    also = [m for m in messages if m.get("text") == text("also_asked", "en", category=text("category_school", "en"))]
    assert also and also[0]["buttons"][0]["payload"] == "/school"
