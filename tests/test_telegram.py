"""The Telegram channel end to end: a local stand-in of the Bot API (tests/fake_telegram_api.py)
delivers updates to the real Rasa server's webhook, python-telegram-bot's own client in the
server answers the stand-in, through the trained model, the action server and the knowledge
base. Polling mode runs the real `inclubot telegram-polling` command."""
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from bot import servers
from bot.api_token import with_token
from bot.channels.telegram_output import CallbackPayloads, inline_keyboard, split_text, utf16_length
from replies.rendering import render_entry
from replies.texts import language_name, text
from conftest import PROJECT_ROOT, fresh_sqlite_url
from fake_telegram_api import FakeTelegramApi
from knowledge import queries
from knowledge.db import get_engine, session_scope
from knowledge.migrate import upgrade
from knowledge.models import Entry, EntryText
from knowledge.taxonomy import load_taxonomy
from knowledge.transfer import load_demo

TOKEN = "123456:TEST-fake-token"
SECRET = "test-secret_0123456789"
PERSONAL = ("Zainab", "Karimi-Test", "zainab_private_handle", "+32470123456", "32470123456")
# Three clinics in Brussels with coordinates, and where the user stands (50 m from the centre one).
CLINICS = {
    "tg-brussels-clinic-centre": ("Clinic Centre", 50.8466, 4.3528),
    "tg-brussels-clinic-north": ("Clinic North", 50.8600, 4.3600),
    "tg-brussels-clinic-south": ("Clinic South", 50.8200, 4.3400),
}
HERE = (50.8470, 4.3530)
TRICKY_NAME = "Café <Zorro> & _Sons_ *24/7* <b>not bold</b> &amp;"
LONG_DESCRIPTION = " ".join(
    f"Paragraph {n}: free legal advice for newcomers about residence, work and family matters." + ("\n\n" if n % 5 == 4 else "")
    for n in range(80)
)


def add_entry(session, entry_id: str, city: str, category: str, name: str, description: str = "",
              latitude: float = None, longitude: float = None, priority: int = 0) -> None:
    session.add(Entry(id=entry_id, city_id=city, category=category, latitude=latitude, longitude=longitude,
                      languages_spoken=[], active=True, priority=priority))
    session.add(EntryText(entry_id=entry_id, language="en", name=name, description=description))


@pytest.fixture(scope="module")
def telegram_db(tmp_path_factory) -> str:
    """The demo knowledge base plus entries this module needs: coordinates, a very long text,
    and a name full of characters that Telegram's parse modes treat specially."""
    url = fresh_sqlite_url(tmp_path_factory.mktemp("telegram-kb"))
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session)
        for entry_id, (name, latitude, longitude) in CLINICS.items():
            add_entry(session, entry_id, "brussels", "health", name, "General practitioners.", latitude, longitude)
        add_entry(session, "tg-mechelen-long", "mechelen", "legal_aid", "Long Legal Desk", LONG_DESCRIPTION, priority=10)
        add_entry(session, "tg-schaerbeek-tricky", "schaerbeek", "social_activities", TRICKY_NAME,
                  "Tea & talk: 2 < 3 > 1, snake_case and *stars*.", priority=10)
    yield url
    get_engine(url).dispose()


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("telegram-logs")


@pytest.fixture(scope="module")
def telegram_actions(telegram_db, logs):
    port = servers.free_port()
    server = servers.action_server(port, env={"INCLUBOT_DATABASE_URL": telegram_db}, log_path=logs / "actions.log").start()
    try:
        server.wait_until_up()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def telegram_api():
    api = FakeTelegramApi(token=TOKEN).start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def telegram_server(trained_model, telegram_actions, telegram_db, telegram_api, logs):
    """The Rasa server, started with credentials.yml as `inclubot run` does, its Telegram
    channel configured by environment and pointed at the stand-in, in webhook mode."""
    port = servers.free_port()
    env = {
        "INCLUBOT_DATABASE_URL": telegram_db,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
        "TELEGRAM_SECRET_TOKEN": SECRET,
        "TELEGRAM_READ_TIMEOUT": "2",
    }
    server = servers.rasa_server(port, f"{telegram_actions}/webhook", model=trained_model, env=env,
                                 log_path=logs / "rasa.log").start()
    try:
        server.wait_until_up()
        telegram_api.wait_for(lambda: telegram_api.webhook.get("url"), timeout=60, what="the webhook to be registered")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


class TelegramUser:
    """One person writing to the bot in a private chat (the chat id is theirs)."""

    def __init__(self, api: FakeTelegramApi, rasa_url: str, language_code: str = "en"):
        self.api = api
        self.rasa_url = rasa_url
        self.chat_id = random.randint(10**8, 10**9)
        self.language_code = language_code

    def deliver(self, update: Dict) -> List[Dict]:
        """Telegram posts the update; returns the messages the bot sent in answer."""
        before = len(self.api.messages(self.chat_id))
        answer = self.api.deliver(update)
        assert answer.status_code == 200, answer.text
        self.api.wait_for_messages(self.chat_id, before + 1)
        return self.api.wait_quiet(self.chat_id, quiet=1.2)[before:]

    def send(self, message: str) -> List[Dict]:
        return self.deliver(self.api.text_update(self.chat_id, message, self.language_code))

    def press(self, title: str) -> List[Dict]:
        return self.deliver(self.api.button_update(self.chat_id, title, self.language_code))

    def share_location(self, latitude: float, longitude: float) -> List[Dict]:
        return self.deliver(self.api.location_update(self.chat_id, latitude, longitude, self.language_code))

    def slot(self, name: str):
        tracker = requests.get(f"{self.rasa_url}/conversations/tg:{self.chat_id}/tracker", params=with_token(), timeout=30).json()
        return tracker["slots"].get(name)


def texts(messages: List[Dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def button_titles(message: Dict) -> List[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


@pytest.fixture
def user(telegram_api, telegram_server):
    def new_user(language_code: str = "en") -> TelegramUser:
        return TelegramUser(telegram_api, telegram_server, language_code)

    return new_user


# --- webhook, deep link, language -------------------------------------------------------------


def test_the_webhook_is_registered_on_start_with_its_secret(telegram_api, telegram_server):
    assert telegram_api.webhook["url"] == f"{telegram_server}/webhooks/telegram/webhook"
    assert telegram_api.webhook["secret_token"] == SECRET
    assert set(telegram_api.webhook["allowed_updates"]) == {"message", "callback_query"}
    assert telegram_api.calls_of("getMe")


def test_deep_link_sets_the_city_and_a_question_is_answered_from_the_knowledge_base(user, telegram_api, telegram_db):
    person = user(language_code="fr")
    greeting = person.send("/start brussels")
    assert texts(greeting) == text("greet", "fr")  # Telegram's language_code as the prior
    themes = [text(f"theme_{theme}", "fr") for theme in load_taxonomy().themes]
    assert button_titles(greeting[-1]) == themes
    assert person.slot("city") == "brussels"

    answer = texts(person.send("je cherche un médecin"))
    with session_scope(telegram_db) as session:
        best = [(e.texts_by_language().get("fr") or e.texts_by_language()["en"]).name
                for e in queries.services_for(session, "brussels", "health")]
    for name in best:
        assert name in answer
    assert text("services_intro", "fr", category=text("category_health", "fr"), city="Brussels") in answer
    assert text("not_verified", "fr") in answer
    assert telegram_api.calls_of("sendChatAction", person.chat_id), "the user sees the bot typing"


def test_a_deep_link_replaces_the_city_the_conversation_had(user):
    person = user()
    person.send("/start mechelen")
    assert person.slot("city") == "mechelen"
    person.send("/start schaerbeek")
    assert person.slot("city") == "schaerbeek"
    person.send("/start not-a-city")  # an unknown payload is a plain /start
    assert person.slot("city") == "schaerbeek"


def test_an_unsupported_telegram_language_falls_back_to_english(user):
    assert texts(user(language_code="pt-br").send("/start")) == text("greet", "en")


# --- commands and buttons ---------------------------------------------------------------------


def test_language_command_shows_the_languages_and_a_button_press_switches(user, telegram_api):
    person = user()
    shown = person.send("/language")
    assert texts(shown) == text("language_prompt", "en")
    assert button_titles(shown[-1]) == [language_name(code) for code in load_taxonomy().languages]

    answer = person.press(language_name("uk"))
    assert texts(answer) == text("language_set", "uk")
    assert person.slot("language") == "uk"
    press = telegram_api.calls_of("answerCallbackQuery")[-1]
    assert press.ok, "the callback query is answered, so the client stops spinning"
    edited = [c for c in telegram_api.calls_of("editMessageReplyMarkup", person.chat_id) if c.ok]
    assert edited and edited[-1].params["message_id"] == str(shown[-1]["message_id"])
    assert "reply_markup" not in telegram_api.messages(person.chat_id)[0], "the pressed keyboard is removed"


def test_city_command_shows_the_cities_and_a_button_sets_one(user):
    person = user(language_code="nl")
    person.send("/start")
    shown = person.send("/city")
    assert text("ask_city", "nl") in texts(shown)
    assert button_titles(shown[-1]) == [city.name for city in load_taxonomy().cities.values()]
    answer = person.press("Mechelen")
    assert text("city_set", "nl", city="Mechelen") in texts(answer)
    assert person.slot("city") == "mechelen"


def test_help_command_and_theme_buttons_lead_to_categories(user):
    person = user()
    shown = person.send("/help")
    assert texts(shown) == text("help", "en")
    categories = person.press(text("theme_basic_services", "en"))
    assert text("category_health", "en") in button_titles(categories[-1])


def test_a_button_the_channel_no_longer_knows_is_read_as_its_title(user, telegram_api):
    person = user()
    person.send("/start mechelen")
    old = {"message_id": 1, "date": int(time.time()), "chat": {"id": person.chat_id, "type": "private"},
           "text": "earlier", "reply_markup": {"inline_keyboard": [[{"text": "Emergency, I need help now", "callback_data": "#" + "0" * 32}]]}}
    answer = person.deliver(telegram_api.callback_update(person.chat_id, old, "#" + "0" * 32))
    assert "112" in texts(answer)


def test_long_button_payloads_travel_as_keys_within_telegram_limit(telegram_api):
    payloads = CallbackPayloads()
    long_payload = "/inform_city" + json.dumps({"city": "saint-jean-de-la-ruelle", "note": "x" * 80})
    keyboard = inline_keyboard([{"title": "Short", "payload": "/help"}, {"title": "Long", "payload": long_payload}], payloads)
    data = [button.callback_data for row in keyboard.inline_keyboard for button in row]
    assert data[0] == "/help"
    assert len(data[1].encode()) <= 64 and payloads.decode(data[1]) == long_payload


# --- location, media, long texts, escaping ----------------------------------------------------


def test_a_shared_location_lists_the_nearest_entries_with_distances(user):
    person = user()
    person.send("/start brussels")
    person.send("I need a doctor")
    answer = texts(person.share_location(*HERE))
    names = [name for name, _, _ in CLINICS.values()]
    positions = [answer.index(name) for name in names]
    assert positions == sorted(positions), "nearest first: centre, north, south"
    assert text("distance_from_you", "en", distance="50 m") in answer
    assert text("distance_from_you", "en", distance="1.5 km") in answer
    assert text("distance_from_you", "en", distance="3.1 km") in answer
    # Issue 14.6: what is stored of the conversation holds none of them.
    tracker = requests.get(f"{person.rasa_url}/conversations/tg:{person.chat_id}/tracker", params=with_token(), timeout=30).text
    assert names[0] in tracker
    for distance in ("50 m", "1.5 km", "3.1 km"):
        assert distance not in tracker


def test_a_location_without_coordinates_in_the_knowledge_base_says_so(user):
    person = user()
    person.send("/start mechelen")
    person.send("I need a doctor")
    answer = texts(person.share_location(51.0259, 4.4776))
    assert text("nearby_unavailable", "en") in answer
    assert text("services_intro", "en", category=text("category_health", "en"), city="Mechelen") in answer


def test_a_location_before_any_question_asks_for_the_topic(user):
    person = user(language_code="es")
    person.send("/start")
    answer = person.share_location(*HERE)
    assert texts(answer) == text("location_needs_topic", "es")
    assert button_titles(answer[-1]) == [text(f"theme_{t}", "es") for t in load_taxonomy().themes]


@pytest.mark.parametrize("kind", ["photo", "voice", "sticker", "document", "contact"])
def test_media_get_a_polite_explanation_in_the_user_language(user, telegram_api, kind):
    person = user(language_code="ar")
    person.send("/start")
    answer = person.deliver(telegram_api.media_update(person.chat_id, kind, "ar"))
    assert texts(answer) == text("unsupported_media", "ar")


def test_a_long_reply_is_split_cleanly_within_telegram_limit(user, telegram_db):
    person = user()
    person.send("/start mechelen")
    person.send("/help")
    person.press(text("theme_basic_services", "en"))
    answer = person.press(text("category_legal_aid", "en"))
    with session_scope(telegram_db) as session:
        entry = session.get(Entry, "tg-mechelen-long")
        expected = render_entry(entry, "en", queries.get_city(session, "mechelen"))
    assert utf16_length(expected) > 4096
    pieces = [m for m in answer if "Paragraph" in m["text"]]
    assert len(pieces) >= 2
    assert all(utf16_length(m["text"]) <= 4096 for m in answer)
    words = " ".join(texts(answer).split())
    assert " ".join(expected.split()) in words, "nothing lost, nothing cut mid-word"
    own = ("🔊", "👍", "👎")  # a card's own buttons: read aloud, helpful / not helpful
    related = [t for m in answer[:-1] for t in button_titles(m) if not t.startswith(own)]
    assert not related, "the topic buttons stay on the last message of the turn (a card has only its own)"
    assert all("reply_markup" not in piece for piece in pieces[:-1]), "a split card's buttons are on its last piece"
    assert button_titles(answer[-1])


def test_knowledge_base_text_shows_literally(user, telegram_api):
    person = user()
    person.send("/start schaerbeek")
    person.send("/help")
    person.press(text("theme_participation_inclusion", "en"))
    answer = person.press(text("category_social_activities", "en"))
    shown = [m for m in answer if TRICKY_NAME in m["text"]]
    assert shown, texts(answer)
    assert "Tea & talk: 2 < 3 > 1, snake_case and *stars*." in shown[0]["text"]
    # A card is HTML with every knowledge-base character escaped: only the name is bold.
    assert shown[0]["parse_mode_used"] == "HTML"
    assert shown[0]["entities"] == [{"type": "bold", "offset": 0, "length": utf16_length(TRICKY_NAME)}]


def test_split_text_keeps_every_word_and_respects_utf16_limits():
    emoji_text = ("مرحبا 👋 " * 900).strip()  # the emoji counts twice in UTF-16
    pieces = split_text(emoji_text, limit=1000)
    assert all(utf16_length(p) <= 1000 for p in pieces)
    assert " ".join(pieces).split() == emoji_text.split()
    assert split_text("x" * 2500, limit=1000) == ["x" * 1000, "x" * 1000, "x" * 500]


# --- trust, duplicates, failures --------------------------------------------------------------


def test_a_forged_or_missing_secret_is_refused_and_nothing_is_processed(user, telegram_api, telegram_server):
    person = user()
    update = telegram_api.text_update(person.chat_id, "hello")
    assert telegram_api.deliver(update, secret="forged").status_code == 403
    assert telegram_api.deliver(update, secret=None).status_code == 403
    time.sleep(2)
    assert telegram_api.messages(person.chat_id) == []
    tracker = requests.get(f"{telegram_server}/conversations/tg:{person.chat_id}/tracker", params=with_token(), timeout=30).json()
    assert not [e for e in tracker["events"] if e["event"] == "user"]
    assert person.send("hello"), "the genuine update after them is answered"


def test_a_repeated_update_is_processed_once(user, telegram_api, telegram_server):
    person = user()
    update = telegram_api.text_update(person.chat_id, "/start mechelen")
    first = person.deliver(update)
    assert telegram_api.deliver(update).status_code == 200
    time.sleep(2.5)
    assert len(telegram_api.messages(person.chat_id)) == len(first)
    tracker = requests.get(f"{telegram_server}/conversations/tg:{person.chat_id}/tracker", params=with_token(), timeout=30).json()
    assert len([e for e in tracker["events"] if e["event"] == "user"]) == 1


def test_a_429_is_waited_out_then_the_reply_arrives_once(user, telegram_api):
    person = user()
    telegram_api.inject("sendMessage", status=429, retry_after=2, chat_id=person.chat_id)
    answer = person.send("/start")
    assert texts(answer) == text("greet", "en")
    sends = telegram_api.calls_of("sendMessage", person.chat_id)
    assert [c.status for c in sends] == [429, 200]
    assert sends[1].at - sends[0].at >= 2.0, "retry_after honoured"


def test_server_errors_and_timeouts_are_retried_without_duplicates(user, telegram_api):
    person = user()
    telegram_api.inject("sendMessage", status=502, chat_id=person.chat_id)
    telegram_api.inject("sendMessage", status=504, delay=3.0, chat_id=person.chat_id)  # longer than the read timeout
    telegram_api.inject("sendMessage", status=500, chat_id=person.chat_id)
    answer = person.send("/start")
    assert texts(answer) == text("greet", "en")
    time.sleep(3)  # the timed-out call's late 504 changes nothing
    assert [c.status for c in telegram_api.calls_of("sendMessage", person.chat_id)] == [502, 504, 500, 200]
    assert len(telegram_api.messages(person.chat_id)) == 1


def test_a_slow_conversation_does_not_hold_up_another(user, telegram_api):
    slow, other = user(), user()
    telegram_api.inject("sendMessage", delay=8.0, chat_id=slow.chat_id)  # slow, then delivered
    assert telegram_api.deliver(telegram_api.text_update(slow.chat_id, "/start")).status_code == 200
    started = time.monotonic()
    other.send("/start")
    assert time.monotonic() - started < 7.0
    assert telegram_api.messages(slow.chat_id) == []
    assert texts(telegram_api.wait_for_messages(slow.chat_id, 1, timeout=30)) == text("greet", "en")


def test_messages_of_one_chat_are_answered_in_order(user, telegram_api):
    person = user()
    for message in ("/start", "/help", "/language"):
        assert telegram_api.deliver(telegram_api.text_update(person.chat_id, message)).status_code == 200
    answers = telegram_api.wait_for_messages(person.chat_id, 3)
    assert [m["text"] for m in answers[:3]] == [text("greet", "en"), text("help", "en"), text("language_prompt", "en")]


@pytest.mark.parametrize("body, status", [
    (b"not json", 400),
    (b"[1, 2]", 400),
    (b'{"message": {"text": "hi"}}', 400),
    (b'{"update_id": "12"}', 400),
    (b'{"update_id": true}', 400),
    (b"[" * 200_000, 400),  # nested deeper than any parser recurses
    (b'{"update_id": 1' + b"0" * 10 + b', "pad": "' + b"x" * (1024 * 1024) + b'"}', 413),
])
def test_a_malformed_request_gets_a_4xx(telegram_api, telegram_server, body, status):
    answer = requests.post(f"{telegram_server}/webhooks/telegram/webhook", data=body, timeout=30,
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"})
    assert answer.status_code == status, answer.text
    assert "error" in answer.json()


def nested_replies(update_id: int, chat_id: int, depth: int) -> bytes:
    """An update whose message quotes a message quoting a message ... `depth` times."""
    head = '{"message_id": 1, "date": 1, "chat": {"id": %d, "type": "private"}, "text": "deep", "reply_to_message": ' % chat_id
    innermost = '{"message_id": 1, "date": 1, "chat": {"id": %d, "type": "private"}, "text": "deep"}' % chat_id
    return ('{"update_id": %d, "message": ' % update_id + head * depth + innermost + "}" * depth + "}").encode()


def test_malformed_updates_are_ignored_with_a_log_line_and_the_channel_keeps_working(user, telegram_api, logs):
    person = user()
    chat, sender = {"id": person.chat_id, "type": "private"}, telegram_api.user(person.chat_id)
    broken = [
        {"message": {"message_id": 1, "date": 1, "text": "no chat"}},
        {"message": {"message_id": 1, "date": 1, "chat": "not an object", "text": "hi"}},
        {"message": {"message_id": 1, "date": 1, "chat": {"id": "abc", "type": "private"}, "text": "hi"}},
        {"message": {"message_id": 1, "date": 1, "chat": chat, "from": sender, "text": 12345}},
        {"message": {"message_id": 1, "date": 1, "chat": chat, "from": sender, "location": {"latitude": "north", "longitude": 4}}},
        {"message": {"message_id": 1, "date": 1, "chat": chat, "from": sender, "location": {"latitude": 500, "longitude": 4}}},
        {"callback_query": {"id": "1", "from": sender, "chat_instance": "1", "data": {"not": "text"},
                            "message": {"message_id": 1, "date": 1, "chat": chat}}},
        {"message": None},
        {"edited_message": {"message_id": 1, "date": 1, "chat": chat, "text": "edited"}},
    ]
    for number, update in enumerate(broken):
        answer = telegram_api.deliver({"update_id": 900_000_000 + person.chat_id % 1000 * 100 + number, **update})
        assert answer.status_code == 200, answer.text
    deep = nested_replies(900_000_000 + person.chat_id % 1000 * 100 + 99, person.chat_id, 600)
    answer = requests.post(telegram_api.webhook["url"], data=deep, timeout=30,
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert texts(person.send("/start")) == text("greet", "en"), "the channel keeps working"
    assert telegram_api.messages(person.chat_id)[0]["text"] == text("greet", "en"), "nothing answered the broken ones"
    assert "malformed" in (logs / "rasa.log").read_text(errors="replace")


def test_a_rest_sender_named_like_a_telegram_chat_cannot_read_or_change_it(user, telegram_api, telegram_server):
    """Issue 14.1: the REST channel's sender "123456789" is not Telegram chat 123456789."""
    person = user(language_code="nl")
    person.send("/start brussels")
    person.send("ik zoek een dokter")
    assert person.slot("city") == "brussels" and person.slot("language") == "nl"

    def rest(message: str, **metadata) -> str:
        response = requests.post(f"{telegram_server}/webhooks/rest/webhook", timeout=60,
                                 json={"sender": str(person.chat_id), "message": message, "metadata": metadata})
        assert response.status_code == 200, response.text
        assert all(m["recipient_id"] == str(person.chat_id) for m in response.json())
        return "\n".join(m.get("text") or "" for m in response.json())

    empty = rest("")  # answered from the conversation's language, had there been one
    assert empty == text("input_empty", "en")
    reply = rest("I need a doctor")  # the Telegram user's city is not known here: it is asked
    assert text("ask_city", "en") in reply
    assert text("services_intro", "en", category=text("category_health", "en"), city="Brussels") not in reply
    rest("Mechelen", language="fr")
    assert person.slot("city") == "brussels" and person.slot("language") == "nl"

    # Rasa sending on its own through Telegram reaches Telegram conversations only.
    before = len(telegram_api.messages(person.chat_id))
    triggered = requests.post(f"{telegram_server}/conversations/rest:{person.chat_id}/trigger_intent",
                              params=with_token({"output_channel": "telegram"}), json={"name": "greet"}, timeout=60)
    assert triggered.status_code == 200, triggered.text
    time.sleep(1.5)
    assert len(telegram_api.messages(person.chat_id)) == before


def test_rasa_can_send_through_the_channel_as_an_output_channel(user, telegram_api, telegram_server):
    person = user()
    answer = requests.post(
        f"{telegram_server}/conversations/tg:{person.chat_id}/trigger_intent",
        params=with_token({"output_channel": "telegram"}), json={"name": "greet"}, timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert texts(telegram_api.wait_for_messages(person.chat_id, 1)) == text("greet", "en")


def test_no_name_username_phone_or_token_is_stored_or_logged(user, telegram_api, telegram_server, logs):
    person = user()
    person.send("/start brussels")
    person.send("I need a doctor")
    person.deliver(telegram_api.media_update(person.chat_id, "contact"))
    tracker = requests.get(f"{telegram_server}/conversations/tg:{person.chat_id}/tracker", params=with_token(), timeout=30).text
    assert tracker.count(str(person.chat_id)) >= 1
    for log in (logs / "rasa.log", logs / "actions.log"):
        content = log.read_text(errors="replace")
        for secret in (*PERSONAL, TOKEN, "I need a doctor"):
            assert secret not in content, f"{secret!r} in {log.name}"
    for personal in PERSONAL:
        assert personal not in tracker


# --- configuration ----------------------------------------------------------------------------


def test_without_a_token_the_endpoint_says_it_is_not_configured(rasa_server):
    """The project's ordinary Rasa server (credentials.yml, no TELEGRAM_BOT_TOKEN) runs fine."""
    answer = requests.post(f"{rasa_server}/webhooks/telegram/webhook", json={"update_id": 1}, timeout=30)
    assert answer.status_code == 503
    assert "TELEGRAM_BOT_TOKEN" in answer.json()["error"]
    assert requests.post(f"{rasa_server}/webhooks/rest/webhook", json={"sender": "t", "message": "hello"}, timeout=60).ok


def test_polling_mode_is_started_by_one_command_and_confirms_updates_once_handled(trained_model, telegram_db, tmp_path):
    api = FakeTelegramApi(token=TOKEN).start()
    api.webhook = {"url": "https://left-over.example/hook"}  # polling must delete it first
    ports = {name: str(servers.free_port()) for name in ("INCLUBOT_RASA_PORT", "INCLUBOT_ACTIONS_PORT", "INCLUBOT_WEB_PORT")}
    env = {**os.environ, **ports, "INCLUBOT_DATABASE_URL": telegram_db, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": api.base_url, "RASA_TELEMETRY_ENABLED": "false"}
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    output = open(tmp_path / "polling.out", "wb")
    process = subprocess.Popen([str(servers.BIN / "inclubot"), "telegram-polling"], cwd=PROJECT_ROOT, env=env,
                               stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        chat_id = random.randint(10**8, 10**9)
        first = api.text_update(chat_id, "/start mechelen", "it")
        api.queue(first)  # waiting at Telegram before anything runs
        assert texts(api.wait_for_messages(chat_id, 1, timeout=300)) == text("greet", "it")
        assert api.webhook == {}
        second = api.text_update(chat_id, "/language", "it")
        api.queue(second)
        assert api.wait_for_messages(chat_id, 2, timeout=60)[1]["text"] == text("language_prompt", "it")
        api.wait_for(lambda: api.pending_updates() == 0, timeout=60, what="the updates to be confirmed")
        time.sleep(2)
        assert len(api.messages(chat_id)) == 2, "each update handled once"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        output.close()
        api.stop()
    assert process.returncode == 0, (tmp_path / "polling.out").read_text()[-3000:]
