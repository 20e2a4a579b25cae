"""The custom actions through the action server's HTTP endpoint, as Rasa calls them."""
import requests

from knowledge import queries
from knowledge.db import session_scope
from replies.texts import text


def call_action(action_server, name, slots, intent="health", text_="ik heb een dokter nodig", parse_extra=None):
    parse_data = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text_,
                  "metadata": {}, **(parse_extra or {})}
    tracker = {
        "sender_id": "action-test",
        "slots": slots,
        "latest_message": parse_data,
        "events": [{"event": "user", "text": text_, "parse_data": parse_data}],
        "latest_event_time": 0,
        "followup_action": None,
        "paused": False,
        "latest_input_channel": "rest",
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    response = requests.post(f"{action_server}/webhook", json={"next_action": name, "tracker": tracker, "domain": {}}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_action_answer_lists_the_city_entries_in_the_user_language(action_server, session_db):
    result = call_action(action_server, "action_answer", {"city": "mechelen", "language": "nl"})
    texts = "\n".join(r.get("text") or "" for r in result["responses"])
    with session_scope(session_db) as session:
        best = queries.services_for(session, "mechelen", "health")[0]
        assert best.texts_by_language()["nl"].name in texts
    assert text("not_verified", "nl") in texts
    assert any(r.get("buttons") for r in result["responses"])


def test_an_action_first_takes_a_confident_detected_language_and_the_channel_city(action_server):
    result = call_action(
        action_server, "action_greet", {"language": "en"}, intent="greet", text_="goedemorgen",
        parse_extra={"language": {"code": "nl", "confidence": 0.95}, "metadata": {"city": "mechelen"}},
    )
    slots = {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}
    assert slots == {"language": "nl", "city": "mechelen"}
    assert result["responses"][0]["text"] == text("greet", "nl")


def test_an_action_keeps_the_language_on_a_neutral_message(action_server):
    result = call_action(
        action_server, "action_small_talk", {"language": "uk"}, intent="affirm", text_="ok",
        parse_extra={"language": {"code": "en", "confidence": 0.0}},
    )
    assert [e for e in result["events"] if e.get("name") == "language"] == []
    assert result["responses"][0]["text"] == text("affirm", "uk")


def test_emergency_action_says_112_without_a_city(action_server):
    result = call_action(action_server, "action_emergency", {"language": "ar"}, intent="emergency")
    assert result["responses"][0]["text"] == text("emergency", "ar")
