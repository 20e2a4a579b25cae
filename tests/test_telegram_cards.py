"""Telegram answers as cards: HTML with the name in bold, link buttons for website and map,
112 alone first in an emergency, "🔊" sending the answer as a voice message, `/voice on`,
`/menu` and the bot commands in every language. Through the local stand-in of the Bot API
and python-telegram-bot's own client in the real Rasa server (fixtures of test_telegram)."""
from datetime import date

import pytest

from replies.texts import text
from conftest import fresh_sqlite_url
from knowledge.db import get_engine, session_scope
from knowledge.feedback import feedback_counts
from knowledge.migrate import upgrade
from knowledge.models import Entry, EntryText
from knowledge.taxonomy import load_taxonomy
from knowledge.transfer import load_demo
from test_telegram import (  # noqa: F401 - the servers of the Telegram tests, reused
    TelegramUser, button_titles, logs, telegram_actions, telegram_api, telegram_server, texts,
)

CLINIC_NAME = "Test Night Clinic <24/7> & Co"
WEBSITE = "https://night-clinic.example.org/"


@pytest.fixture(scope="module")
def telegram_db(tmp_path_factory) -> str:
    """The demo knowledge base and one test entry (this test's database only) with a
    website, coordinates and a name that must be escaped in HTML."""
    url = fresh_sqlite_url(tmp_path_factory.mktemp("telegram-cards-kb"))
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session)
        session.add(Entry(id="tg-cards-clinic", city_id="brussels", category="health", phone="+32 2 555 01 99",
                          website=WEBSITE, latitude=50.85, longitude=4.35, languages_spoken=[], active=True, priority=100))
        session.add(EntryText(entry_id="tg-cards-clinic", language="en", name=CLINIC_NAME,
                              description="Doctors at night, without an appointment."))
    yield url
    get_engine(url).dispose()


@pytest.fixture
def person(telegram_api, telegram_server):
    return TelegramUser(telegram_api, telegram_server, "en")


def url_buttons(message):
    return {b["text"]: b.get("url") for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row}


def test_an_answer_is_a_card_in_html_with_website_and_map_buttons(person):
    person.send("/start brussels")
    person.send("/help")
    person.press(text("theme_basic_services", "en"))
    answer = person.press(text("category_health", "en"))
    card = next(m for m in answer if m["text"].startswith(CLINIC_NAME))
    assert card["parse_mode_used"] == "HTML"
    assert card["entities"][0] == {"type": "bold", "offset": 0, "length": len(CLINIC_NAME)}
    assert "+32 2 555 01 99" in card["text"]  # written out: Telegram makes it tappable
    links = url_buttons(card)
    assert links[f"🌐 {text('card_website', 'en')}"] == WEBSITE
    assert links[f"📍 {text('card_map', 'en')}"].startswith("https://www.openstreetmap.org/?mlat=50.85000&mlon=4.35000")
    assert f"🔊 {text('listen', 'en')}" in button_titles(card)
    notice = text("not_verified", "en")
    assert sum(m["text"].count(notice) for m in answer) == 1, "one notice per answer"


def test_the_speaker_button_sends_the_answer_as_a_voice_message(person, telegram_api):
    person.send("/start brussels")
    person.send("/help")
    person.press(text("theme_basic_services", "en"))
    person.press(text("category_health", "en"))
    update = telegram_api.button_update(person.chat_id, f"🔊 {text('listen', 'en')}")
    assert person.api.deliver(update).status_code == 200
    telegram_api.wait_for(lambda: telegram_api.voices.get(person.chat_id), timeout=60, what="a voice message")
    voice = telegram_api.voices[person.chat_id][0]
    assert voice[:4] == b"OggS" and b"OpusHead" in voice[:200]
    assert telegram_api.calls_of("sendVoice", person.chat_id)[0].ok


def test_voice_on_sends_every_answer_as_text_and_voice(person, telegram_api):
    person.send("/start brussels")
    assert texts(person.send("/voice on")) == text("voice_on", "en")
    person.send("/help")
    telegram_api.wait_for(lambda: telegram_api.voices.get(person.chat_id), timeout=60, what="the answer as voice")
    assert texts(person.send("/voice off")) == text("voice_off", "en")
    heard = len(telegram_api.voices[person.chat_id])
    person.send("/help")
    assert len(telegram_api.voices[person.chat_id]) == heard


def test_an_emergency_starts_with_112_alone_in_its_message(person):
    person.send("/start brussels")
    answer = person.send("Help, my husband is beating me right now")
    assert answer[0]["text"].startswith("112\n")
    assert answer[0]["text"] == "112\n" + text("emergency", "en")
    assert answer[0]["entities"][0] == {"type": "bold", "offset": 0, "length": 3}
    assert any(text("emergency_city", "en", city="Brussels") in m["text"] for m in answer[1:])


def test_menu_and_bot_commands(person, telegram_api):
    person.send("/start brussels")
    shown = person.send("/menu")
    assert texts(shown) == text("menu_title", "en")
    assert button_titles(shown[-1]) == [text(k, "en") for k in
                                        ("menu_topics", "menu_city", "menu_language", "menu_person", "menu_restart")]
    city = person.press(text("menu_city", "en"))
    assert text("ask_city", "en") in texts(city)
    assert "Mechelen" in button_titles(city[-1])
    commands = telegram_api.wait_for(lambda: len(telegram_api.commands) == 13 and telegram_api.commands, timeout=30, what="commands")
    for language in [None, *load_taxonomy().languages]:
        described = {c["command"]: c["description"] for c in commands[language]}
        assert described["menu"] == text("menu_open", language or "en")
        assert described["city"] == text("menu_city", language or "en")
        assert set(described) == {"menu", "help", "city", "language", "human", "forget", "voice", "start"}


def test_a_thumbs_up_is_counted_and_thanked(person, telegram_api, telegram_db):
    person.send("/start brussels")
    person.send("/help")
    person.press(text("theme_basic_services", "en"))
    person.press(text("category_health", "en"))
    update = telegram_api.button_update(person.chat_id, "👍")
    assert person.api.deliver(update).status_code == 200
    query_id = update["callback_query"]["id"]
    answered = telegram_api.wait_for(
        lambda: [c for c in telegram_api.calls_of("answerCallbackQuery") if c.params.get("callback_query_id") == query_id],
        timeout=30, what="the press answered",
    )
    assert answered[0].params.get("text") == text("feedback_thanks", "en")

    def counted():
        with session_scope(telegram_db) as session:
            return feedback_counts(session, "category", ["brussels"], 1, date.today())

    assert telegram_api.wait_for(lambda: counted().get("health") == (1, 0), timeout=30, what="the vote counted")
