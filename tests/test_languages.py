"""Twelve languages end to end through the REST webhook: understood, and answered in kind."""
import re

import pytest
import requests

from bot.api_token import with_token
from knowledge.taxonomy import load_taxonomy
from replies.texts import text

SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06FF]"), "fa": re.compile(r"[\u0600-\u06FF]"),
    "uk": re.compile(r"[\u0400-\u04FF]"), "ru": re.compile(r"[\u0400-\u04FF]"),
    "el": re.compile(r"[\u0370-\u03FF]"),
}

QUESTIONS = {
    "en": ("I need a doctor", "health"),
    "fr": ("je cherche un logement à louer", "housing"),
    "nl": ("waar kan ik Nederlands leren?", "language_course"),
    "ar": ("أبحث عن عمل", "employment"),
    "uk": ("мені потрібен лікар", "health"),
    "ru": ("мне негде ночевать сегодня", "shelter"),
    "es": ("necesito un abogado para mi asilo", "legal_aid"),
    "it": ("come iscrivo mio figlio a scuola?", "school"),
    "el": ("χρειάζομαι γιατρό", "health"),
    "lv": ("kur var mācīties latviešu valodu?", "language_course"),
    "fa": ("به دکتر نیاز دارم", "health"),
    "tr": ("iş arıyorum", "employment"),
}


def test_every_language_has_a_question():
    assert set(QUESTIONS) == set(load_taxonomy().languages)


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_a_question_is_understood_and_answered_in_the_user_language(chat, language):
    question, category = QUESTIONS[language]
    user = chat({"city": "brussels"})
    reply = user.say(question)
    intro = text("services_intro", language, category=text(f"category_{category}", language), city="Brussels")
    assert intro in reply, reply
    # One note for the answer: the demo entries are unverified, and in most languages
    # their texts are unreviewed translations.
    notes = [text("not_verified", language), text("unchecked_translation", language)]
    assert sum(reply.count(note) for note in notes) == 1, reply
    if language in SCRIPTS:
        assert SCRIPTS[language].search(intro)
    assert user.slot("language") == language


@pytest.mark.parametrize("neutral", ["ok", "112", "👍", "Mechelen"])
def test_a_neutral_follow_up_keeps_the_language(chat, neutral):
    user = chat({"city": "mechelen"})
    user.say("мені потрібен лікар")
    assert user.slot("language") == "uk"
    user.say(neutral)
    assert user.slot("language") == "uk"


def test_an_explicit_language_choice_sticks(chat):
    user = chat({"city": "mechelen"})
    user.say("hello")
    chosen = user.say("in Arabic please")
    assert chosen == text("language_set", "ar")
    reply = user.say("I need a doctor")
    assert text("services_intro", "ar", category=text("category_health", "ar"), city="Mechelen") in reply


def test_a_language_button_switches_the_language(chat):
    user = chat({"city": "jelgava"})
    user.say("hello")
    assert user.say('/choose_language{"language_choice": "lv"}') == text("language_set", "lv")
    assert user.slot("language") == "lv"


def test_the_user_switching_language_is_followed(chat):
    user = chat({"city": "schaerbeek"})
    user.say("I need a doctor")
    assert user.slot("language") == "en"
    reply = user.say("je cherche un cours de français")
    assert text("category_language_course", "fr") in reply
    assert user.slot("language") == "fr"


@pytest.mark.parametrize(
    "message, language",
    [("doctor?", "en"), ("médecin", "fr"), ("بدي شغل", "ar"), ("ιατρός", "el"), ("darbs", "lv"),
     ("лікар", "uk"), ("врач", "ru"), ("دکتر", "fa"), ("iş", "tr")],
)
def test_short_messages_are_identified(rasa_server, message, language):
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": message}, timeout=30).json()
    assert parsed["language"]["code"] == language, parsed["language"]
