"""Understanding people as they write, end to end through the REST channel.

Danger now in every language (none of these says "help", "emergency" or "112") gets 112 in
the first reply; look-alikes get their normal answer; suicide intent gets the country's
suicide-prevention line; romanized Arabic is answered in Arabic; two needs in one message
are both served; an unsure reading offers topics as buttons.
"""
import re

import pytest
import requests

from bot.api_token import with_token
from replies.texts import text
from tests.conftest import buttons_of, dump

DANGER = {
    "en": "my dad fell in the kitchen and he is not breathing, his lips are blue",
    "fr": "mon copain a avalé toute une boîte de somnifères et il ne se réveille pas",
    "nl": "mijn buurman staat met een mes voor onze deur en schreeuwt dat hij ons vermoordt",
    "ar": "ابني عمره ٤ سنين ضايع بالسوق من نص ساعة وما لقيناه",
    "uk": "у квартирі сильно пахне газом і мама лежить на підлозі",
    "ru": "соседа ударили ножом в живот, много крови",
    "es": "mi pareja me está pegando ahora mismo y estoy encerrada en el baño",
    "it": "mia figlia di due anni ha bevuto la candeggina",
    "el": "ο άντρας μου με χτυπάει τώρα και λέει ότι θα με σκοτώσει",
    "lv": "mūsu dzīvoklī ir ugunsgrēks un bērni ir iekšā",
    "fa": "شوهرم الان با چاقو تهدیدم می‌کنه که منو می‌کشه",
    "tr": "kardeşim denize girdi ve çıkmadı, göremiyorum onu",
}
LOOK_ALIKES = {
    "en": ("this queue at the town hall is killing me, how do I register my address?", "registration"),
    "fr": ("cette paperasse va me tuer, comment je renouvelle mon titre de séjour ?", "registration"),
    "es": ("me robaron la cartera hace tres meses y necesito un nuevo documento de identidad", "registration"),
    "ru": ("меня уволили с работы и не заплатили зарплату", "employment"),
    "ar": ("من سنة جوزي كان يضربني وهلق بدي محامي للطلاق", "legal_aid"),
}
DANGER_WORDS = re.compile(r"help|emergenc|112|hilfe|aide|urgen", re.IGNORECASE)


def first_reply(messages):
    return messages[0].get("text", "") if messages else ""


def test_the_danger_messages_avoid_the_obvious_words():
    assert not [m for m in DANGER.values() if DANGER_WORDS.search(m)]


@pytest.mark.parametrize("language", sorted(DANGER))
def test_danger_now_gets_112_first_in_every_language(chat, language):
    user = chat({"city": "mechelen", "language": language})
    messages = user.send(DANGER[language])
    assert "112" in first_reply(messages), dump(messages)
    assert first_reply(messages) == text("emergency", language)


@pytest.mark.parametrize("language", sorted(DANGER))
def test_parse_reports_the_danger_and_its_score(rasa_server, language):
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": DANGER[language]}, timeout=30).json()
    assert parsed["emergency"]["danger"] is True
    assert 0.0 <= parsed["emergency"]["score"] <= 1.0


@pytest.mark.parametrize("language", sorted(LOOK_ALIKES))
def test_a_look_alike_gets_its_normal_answer(chat, language):
    message, category = LOOK_ALIKES[language]
    user = chat({"city": "brussels", "language": language})
    messages = user.send(message)
    reply = "\n".join(m.get("text", "") for m in messages)
    assert "112" not in first_reply(messages), dump(messages)
    intro = text("services_intro", language, category=text(f"category_{category}", language), city="Brussels")
    assert intro in reply, dump(messages)


def test_danger_at_the_end_of_a_long_story_gets_112_first(chat):
    user = chat({"city": "mechelen", "language": "en"})
    messages = user.send(
        "hello, we came from Eritrea in the spring and my wife and I are in a room in Mechelen, I wanted to "
        "ask how she can start the Dutch lessons in the evening because I work days at the warehouse, "
        "but now she just fell on the floor in the kitchen and her arms are jerking and she does not answer me")
    assert first_reply(messages) == text("emergency", "en"), dump(messages)


MIDDLE_DANGER = ("bonjour, je voudrais savoir si la bibliothèque de Saint-Jean-de-la-Ruelle prête des livres en arabe "
                 "pour les enfants. mon mari vient de tomber dans l'escalier, il saigne beaucoup de la tête et il ne "
                 "répond plus quand je lui parle. et est-ce qu'il faut une carte pour chaque enfant ou une seule pour la famille ?")
PAST_DANGER_STORY = ("hello, in 2019 the boat sank near Lesbos and my cousin drowned in front of me, I was in the water for "
                     "three hours before they pulled me out. now I live in Mechelen and I would like to know if there is a "
                     "psychologist who speaks Tigrinya, and whether it is free with my card from the health insurance.")


def test_danger_in_the_middle_of_a_long_message_gets_112_first(chat, rasa_server):
    """Read as a whole, the message is about a library card: the cry is in one stretch of it."""
    user = chat({"city": "saint-jean-de-la-ruelle", "language": "fr"})
    messages = user.send(MIDDLE_DANGER)
    assert first_reply(messages) == text("emergency", "fr"), dump(messages)


def test_a_long_story_of_a_past_danger_gets_no_alarm(chat):
    user = chat({"city": "mechelen", "language": "en"})
    messages = user.send(PAST_DANGER_STORY)
    assert messages and "112" not in first_reply(messages), dump(messages)


def test_parse_reports_no_danger_for_an_idiom(rasa_server):
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": "this paperwork is killing me"}, timeout=30).json()
    assert parsed["emergency"]["danger"] is False


def test_suicide_intent_gets_112_then_the_suicide_prevention_line(chat):
    user = chat({"city": "saint-jean-de-la-ruelle", "language": "fr"})
    messages = user.send("j'ai décidé d'en finir ce soir, j'ai préparé les médicaments")
    assert first_reply(messages) == text("emergency", "fr")
    reply = "\n".join(m.get("text", "") for m in messages)
    assert text("crisis_line", "fr") in reply and "3114" in reply, dump(messages)
    # The demo's numbers are not checked by staff: said once, after the numbers, not before 112.
    notice = text("not_verified", "fr")
    assert reply.count(notice) == 1 and reply.index(notice) > reply.index("3114"), dump(messages)


def test_the_question_beside_the_danger_is_still_answered(chat):
    user = chat({"city": "brussels", "language": "en"})
    messages = user.send("my husband is beating me right now, where can I sleep tonight with my children?")
    assert first_reply(messages) == text("emergency", "en")
    reply = "\n".join(m.get("text", "") for m in messages)
    assert text("services_intro", "en", category=text("category_shelter", "en"), city="Brussels") in reply, dump(messages)
    assert reply.count(text("not_verified", "en")) == 1, dump(messages)  # once for the whole reply


def test_arabizi_is_recognised_and_answered_in_arabic(chat, rasa_server):
    question = "salam, ana badi et3allam fransawi, fi dourous?"
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": question}, timeout=30).json()
    assert parsed["language"]["code"] == "ar" and parsed["language"]["script"] == "latin"
    user = chat({"city": "brussels"})
    reply = user.say(question)
    assert text("services_intro", "ar", category=text("category_language_course", "ar"), city="Brussels") in reply
    assert user.slot("language") == "ar"


def test_native_script_has_no_script_mark(rasa_server):
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": "мне нужен врач"}, timeout=30).json()
    assert parsed["language"]["code"] == "ru" and "script" not in parsed["language"]


def test_a_message_with_two_needs_serves_both(chat):
    user = chat({"city": "mechelen", "language": "en"})
    messages = user.send("I need a doctor for my back, and also a school for my son who is 7")
    reply = "\n".join(m.get("text", "") for m in messages)
    answered = {c for c in ("health", "school")
                if text("services_intro", "en", category=text(f"category_{c}", "en"), city="Mechelen") in reply}
    offered = {b["payload"].lstrip("/") for b in buttons_of(messages)}
    assert answered and {"health", "school"} <= answered | offered, dump(messages)


def test_personal_data_does_not_stop_the_bot_from_understanding(chat, rasa_server):
    message = "Hi, my name is Yusuf Haddad, phone 0470 12 34 56, I am looking for a dentist"
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": message}, timeout=30).json()
    assert parsed["intent"]["name"] == "health"
    messages = chat({"city": "mechelen", "language": "en"}).send(message)
    reply = "\n".join(m.get("text", "") for m in messages)
    answered = text("services_intro", "en", category=text("category_health", "en"), city="Mechelen") in reply
    offered_first = (buttons_of(messages) or [{}])[0].get("payload") == "/health"
    assert answered or offered_first, dump(messages)


def test_an_unsure_reading_offers_the_likeliest_topics(chat):
    user = chat({"city": "mechelen", "language": "en"})
    messages = user.send("problem with my son")
    assert text("clarify", "en") in first_reply(messages), dump(messages)
    payloads = [b["payload"] for b in buttons_of(messages)]
    assert 2 <= len(payloads) <= 3 and "/emergency" not in payloads, dump(messages)
    # choosing a topic answers it
    reply = user.say("/school")
    assert text("services_intro", "en", category=text("category_school", "en"), city="Mechelen") in reply


def test_translit_is_answered_in_cyrillic_and_latin_letters_are_offered(chat):
    user = chat({"city": "jelgava"})
    messages = user.send("nuzhen vrach dlya rebenka")
    reply = "\n".join(m.get("text", "") for m in messages)
    assert text("services_intro", "ru", category=text("category_health", "ru"), city="Jelgava") in reply, dump(messages)
    offer = [b for b in buttons_of(messages) if b["title"] == text("button_latin_letters", "ru")]
    assert offer, dump(messages)
    confirmation = user.say(offer[0]["payload"])
    assert confirmation == "Khorosho, pishu latinitsey."
    reply = user.say("gde mozhno uchit latyshskiy yazyk?")
    assert not re.search(r"[\u0400-\u04FF]", reply) and "Jelgava" in reply, reply
