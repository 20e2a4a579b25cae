"""Bad input through the REST webhook: a clear reply or a 4xx, never a 500; the server goes on."""
import pytest
import requests

from replies.texts import text


def post(rasa_server, body=None, raw: bytes = None):
    url = f"{rasa_server}/webhooks/rest/webhook"
    if raw is not None:
        return requests.post(url, data=raw, headers={"Content-Type": "application/json"}, timeout=60)
    return requests.post(url, json=body, timeout=60)


@pytest.mark.parametrize(
    "message, expected_key",
    [
        ("", "input_empty"),
        ("   \n\t ", "input_empty"),
        ("\x00\x01\x02\x07\x1b\u200b\u202e", "input_empty"),
        ("a" * 50_000, "input_too_long"),
    ],
    ids=["empty", "blank", "control-only", "50k-chars"],
)
def test_unusable_messages_get_a_clear_reply(rasa_server, message, expected_key):
    response = post(rasa_server, {"sender": "bad-input", "message": message})
    assert response.status_code == 200
    assert [m["text"] for m in response.json()] == [text(expected_key, "en")]


def test_the_clear_reply_is_in_the_conversation_language(rasa_server):
    post(rasa_server, {"sender": "bad-input-fr", "message": "bonjour, je cherche un médecin"})
    response = post(rasa_server, {"sender": "bad-input-fr", "message": ""})
    assert response.json()[0]["text"] == text("input_empty", "fr")


def test_emoji_only_gets_an_answer(rasa_server):
    response = post(rasa_server, {"sender": "emoji", "message": "🙂🙏👍"})
    assert response.status_code == 200
    assert response.json() and all(m.get("text") for m in response.json())


def test_control_characters_inside_a_question_are_ignored(rasa_server):
    response = post(rasa_server, {"sender": "ctrl", "message": "I need\x00 a doc\x07tor", "metadata": {"city": "mechelen"}})
    assert response.status_code == 200
    assert text("category_health", "en") in " ".join(m["text"] for m in response.json())


def test_an_unknown_city_in_metadata_is_ignored_and_the_city_asked(rasa_server):
    response = post(rasa_server, {"sender": "paris", "message": "I need a doctor", "metadata": {"city": "paris"}})
    assert response.status_code == 200
    assert text("ask_city", "en") in response.json()[0]["text"]


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "x", "message": ["hi"]},
        {"sender": "x", "message": None},
        {"sender": "x", "message": 42},
        {"sender": "x"},
        {"sender": {"id": 1}, "message": "hi"},
        {"sender": "x" * 500, "message": "hi"},
        {"sender": "x", "message": "hi", "metadata": "schaerbeek"},
        [1, 2, 3],
        "just a string",
    ],
    ids=["message-list", "message-null", "message-int", "message-missing", "sender-object",
         "sender-huge", "metadata-string", "body-list", "body-string"],
)
def test_wrong_json_types_get_400_with_an_explanation(rasa_server, body):
    response = post(rasa_server, body)
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe\xfa", b""], ids=["syntax", "invalid-utf8", "empty-body"])
def test_malformed_bodies_get_400(rasa_server, raw):
    assert post(rasa_server, raw=raw).status_code == 400


def test_the_server_keeps_answering_after_bad_input(rasa_server):
    for body in ([1], {"message": None}, {"sender": "x", "message": "\x00" * 1000}):
        post(rasa_server, body)
    response = post(rasa_server, {"sender": "still-alive", "message": "hello"})
    assert response.status_code == 200
    assert response.json()[0]["text"] == text("greet", "en")


def test_a_message_of_expanding_ligatures_is_answered_and_the_server_lives_on(rasa_server):
    """Found by bench/fuzz.py: 50 × U+FDFA (ﷺ, written out as 18 letters) overflowed the
    sentence encoder's buffer and killed the Rasa process (malloc(): invalid size)."""
    for message in ("ﷺ" * 300, "ﷺ" * 5000, "أحتاج طبيب ﷺ" * 40):
        response = post(rasa_server, {"sender": "ligatures", "message": message})
        assert response.status_code == 200 and response.json(), response.text
    after = post(rasa_server, {"sender": "after-ligatures", "message": "I need a doctor", "metadata": {"city": "mechelen"}})
    assert text("services_intro", "en", category=text("category_health", "en"), city="Mechelen") in after.json()[0]["text"]
