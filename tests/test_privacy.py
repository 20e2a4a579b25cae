"""Personal data written to the bot never reaches the database or the logs, and the bot still
answers: the scrubbing tracker store (bot/tracker_store.py) behind the real servers, and on
each database kind on its own."""
import asyncio
import os
import subprocess
import uuid

import pytest
import requests
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, select, text as sql

from bot.api_token import with_token
from bot.scrubbing import scrub
from bot.servers import BIN, PROJECT_ROOT
from bot.tracker_store import ScrubbingTrackerStore
from replies.rendering import format_distance
from replies.texts import text
from conftest import DATABASE_KINDS, drop_postgres, fresh_postgres_url
from knowledge.db import session_scope
from knowledge.models import UnansweredQuestion

# Each kind of personal data, as people type it, and the strings that must never be stored.
PHONE = ("+32 470 12 34 56", ["470 12 34 56", "32470123456", "470123456"])
PHONE_LV = ("+371 2612 3456", ["2612 3456", "37126123456"])
EMAIL = ("amina.karimi@example.org", ["amina.karimi", "karimi@example"])
# Fragments are long enough not to occur by chance in timestamps or hashed ids ("6769" did).
IBAN = ("BE71 0961 2345 6769", ["0961 2345 6769", "BE71096123456769", "2345 6769", "23456769"])
IBAN_COMPACT = ("LV80BANK0000435195001", ["LV80BANK0000435195001", "435195001"])
PASSPORT = ("EM4719283", ["EM4719283", "4719283"])
TAX_ID = ("RSSMRA85T10A562S", ["RSSMRA85T10A562S"])
ADDRESS_FR = ("Rue Royale 123", ["Royale 123"])
ADDRESS_NL = ("Kerkstraat 12", ["Kerkstraat 12"])
ADDRESS_LV = ("Brīvības iela 21", ["iela 21"])
NAME = ("my name is Ahmed Yusuf", ["Ahmed Yusuf", "Yusuf"])
HANDLE = ("@ahmed_yusuf", ["ahmed_yusuf"])
SPELLED_EMAIL = ("maria at gmail dot com", ["maria at gmail", "gmail dot com"])
ALL_SEEDS = [PHONE, PHONE_LV, EMAIL, IBAN, IBAN_COMPACT, PASSPORT, TAX_ID, ADDRESS_FR, ADDRESS_NL, ADDRESS_LV,
             NAME, HANDLE, SPELLED_EMAIL]
# A made-up word in every message: if it shows up in a log, message text was logged.
MARKER = "Quokkaflump"


def personal_data():
    return [s for seed, variants in ALL_SEEDS for s in [seed, *variants]]


def stored_conversations(database_url: str) -> str:
    """Everything the tracker store wrote, as one text."""
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sql("SELECT sender_id, type_name, intent_name, action_name, data FROM events")).all()
    finally:
        engine.dispose()
    assert rows, "the tracker store wrote nothing: is endpoints.yml using it?"
    return "\n".join(" ".join(str(value) for value in row) for row in rows)


def leaks(haystack: str, forbidden=None):
    folded = haystack.casefold()
    return [s for s in (forbidden or personal_data()) if s.casefold() in folded]


def test_personal_data_in_messages_is_not_stored_or_logged_and_the_bot_still_answers(chat, server_logs, session_db):
    # What the bot needs from earlier messages comes back from the store: the question asked
    # before the city was known.
    lawyer = chat()
    assert text("ask_city", "en") in lawyer.say("I need a lawyer")
    reply = lawyer.say("Schaerbeek")
    assert text("services_intro", "en", category=text("category_legal_aid", "en"), city="Schaerbeek") in reply

    # Personal data as people write it, in several languages. Each message is answered,
    # whatever it is understood as; not understood ones go to the staff log, scrubbed.
    french = chat({"city": "brussels"})
    seeded = [
        (lawyer, f"{MARKER}: my phone is {PHONE[0]}, my e-mail {EMAIL[0]}, my passport {PASSPORT[0]}"),
        # a question the bot is not for: it goes to the staff log (with the IBAN scrubbed)
        (french, f"Bonjour {MARKER}, j'habite {ADDRESS_FR[0]}, tu connais une bonne recette de couscous ? {IBAN[0]}"),
        (chat({"city": "mechelen"}), f"Ik woon in de {ADDRESS_NL[0]}, bel me op {PHONE_LV[0]} {MARKER}"),
        (chat({"city": "jelgava", "language": "lv"}), f"{MARKER} {ADDRESS_LV[0]} {IBAN_COMPACT[0]} {TAX_ID[0]} zzqx blorp"),
        (chat({"city": "mechelen"}), f"{NAME[0]}, {HANDLE[0]} or {SPELLED_EMAIL[0]}, zzqx blorp {MARKER}"),
    ]
    for conversation, message in seeded:
        assert conversation.say(message)

    # The conversations go on from what the store gave back: the city, the language.
    reply = lawyer.say("I need a doctor")
    assert text("services_intro", "en", category=text("category_health", "en"), city="Schaerbeek") in reply
    assert french.slot("language") == "fr"

    assert leaks(stored_conversations(f"sqlite:///{server_logs / 'tracker.db'}")) == []
    with session_scope(session_db) as session:
        logged = [q.text for q in session.execute(select(UnansweredQuestion)).scalars()]
    assert logged and leaks("\n".join(logged)) == []
    assert any("[iban]" in q for q in logged)

    for log in ("rasa.log", "actions.log"):
        content = (server_logs / log).read_text(encoding="utf-8", errors="replace")
        assert "INFO" in content  # the log is written at the default level, so this can fail
        assert leaks(content, personal_data() + [MARKER]) == [], log


def test_channel_metadata_other_than_city_and_language_is_not_stored(rasa_server, server_logs):
    """A channel may pass the user's name; only what the assistant reads is kept."""
    chat_number = str(uuid.uuid4().int % 10**9)
    sender = f"tg:{chat_number}"
    event = {
        "event": "user", "text": f"I need a doctor {PHONE[0]}",
        "parse_data": {"intent": {"name": "health", "confidence": 1.0}, "entities": []},
        "metadata": {"city": "mechelen", "language": "en", "first_name": "Aminata", "username": "aminata_k77"},
    }
    response = requests.post(f"{rasa_server}/conversations/{sender}/tracker/events", params=with_token(), json=event, timeout=30)
    assert response.status_code == 200, response.text
    tracker = requests.get(f"{rasa_server}/conversations/{sender}/tracker", params=with_token(), timeout=30).json()
    stored_user_event = [e for e in tracker["events"] if e["event"] == "user"][-1]
    assert stored_user_event["metadata"] == {"city": "mechelen", "language": "en"}
    assert stored_user_event["parse_data"]["intent"]["name"] == "health"

    stored = stored_conversations(f"sqlite:///{server_logs / 'tracker.db'}")
    assert "Aminata" not in stored and "aminata_k77" not in stored
    assert chat_number not in stored  # the chat id is kept only as a keyed hash
    assert leaks(stored) == []


@pytest.fixture(params=DATABASE_KINDS)
def tracker_db(request, tmp_path) -> str:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        url = fresh_postgres_url()
        yield url
        drop_postgres(url)


def test_the_store_scrubs_every_event_and_gives_back_what_the_bot_needs(tracker_db, monkeypatch):
    monkeypatch.setenv("INCLUBOT_CONVERSATION_KEY", "test-key")
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = ScrubbingTrackerStore(domain=domain, host=tracker_db)
    chat_id = "123456789"
    sender = f"tg:{chat_id}"  # a Telegram conversation
    metadata = {"city": "schaerbeek", "language": "fr", "first_name": "Aminata", "location": {"latitude": 50.86}}
    events = [
        SlotSet("session_started_metadata", metadata),
        # as Rasa starts a session: the channel's metadata is set again after SessionStarted
        ActionExecuted("action_session_start"), SessionStarted(), SlotSet("session_started_metadata", metadata),
        ActionExecuted("action_listen"),
        UserUttered(
            f"je cherche un médecin, {EMAIL[0]}, {ADDRESS_FR[0]}",
            intent={"name": "health", "confidence": 0.97},
            entities=[{"entity": "city", "value": "schaerbeek", "start": 0, "end": 3}],
            parse_data={"text": f"je cherche un médecin, {EMAIL[0]}, {ADDRESS_FR[0]}", "intent": {"name": "health", "confidence": 0.97},
                        "entities": [{"entity": "city", "value": "schaerbeek", "start": 0, "end": 3}],
                        "language": {"code": "fr", "confidence": 0.9}},
            metadata=metadata,
        ),
        SlotSet("city", "schaerbeek"), SlotSet("language", "fr"),
        ActionExecuted("action_answer"),
        BotUttered(f"Appelez le {PHONE[0]}", data={"buttons": [{"title": f"IBAN {IBAN[0]}", "payload": "/health"}]}),
        ActionExecuted("action_listen"),
    ]
    tracker = DialogueStateTracker.from_events(sender, events, domain.slots)
    asyncio.run(store.save(tracker))

    stored = stored_conversations(tracker_db)
    assert leaks(stored) == []
    for personal in ("Aminata", "50.86", chat_id):
        assert personal not in stored

    restored = asyncio.run(store.retrieve(sender))
    assert restored.get_slot("city") == "schaerbeek" and restored.get_slot("language") == "fr"
    user = restored.latest_message
    assert user.intent["name"] == "health"
    assert user.entities[0]["value"] == "schaerbeek"
    assert user.text == "je cherche un médecin, [email], [address]"
    assert user.metadata == {"city": "schaerbeek", "language": "fr"}
    assert restored.get_slot("session_started_metadata") == {"city": "schaerbeek", "language": "fr"}

    # The next message, as Rasa handles it: the retrieved tracker gets the new event and is
    # saved again; only that event is added, under the same hashed id.
    before = len(restored.events)
    restored.update(UserUttered(f"merci {PHONE_LV[0]}", intent={"name": "thank", "confidence": 1.0}))
    asyncio.run(store.save(restored))
    again = asyncio.run(store.retrieve(sender))
    assert len(again.events) == before + 1 and again.latest_message.text == "merci [phone]"
    assert leaks(stored_conversations(tracker_db)) == []
    store.engine.dispose()


# --- issue 14: scrubbing of names and handles, distances, namespaced conversation ids ---------

SCRUBBED = [
    # (as written, what must not be stored)
    ("my name is Ahmed Yusuf and I need a doctor", ["Ahmed", "Yusuf"]),
    ("write to me on telegram @ahmed_yusuf", ["ahmed_yusuf"]),
    ("my mail is maria at gmail dot com", ["maria", "gmail"]),
    ("maria (at) gmail (dot) com or maria[at]gmail.com", ["maria", "gmail"]),
    ("Je m'appelle Marie Dubois, je cherche un cours de français", ["Marie", "Dubois"]),
    ("Ik heet Fatima El Amrani en ik zoek werk", ["Fatima", "Amrani"]),
    ("اسمي أحمد يوسف", ["أحمد", "يوسف"]),
    ("Мене звати Олена Коваль, шукаю лікаря", ["Олена", "Коваль"]),
    ("Меня зовут Ольга Петрова", ["Ольга", "Петрова"]),
    ("Me llamo Juan Pérez y necesito ayuda", ["Juan", "Pérez"]),
    ("Mi chiamo Luca Rossi", ["Luca", "Rossi"]),
    ("Με λένε Νίκος Παπαδόπουλος", ["Νίκος", "Παπαδόπουλος"]),
    ("Mani sauc Jānis Bērziņš", ["Jānis", "Bērziņš"]),
    ("اسم من علی رضایی است", ["علی", "رضایی"]),
    ("Benim adım Ayşe Yılmaz, doktor lazım", ["Ayşe", "Yılmaz"]),
]


@pytest.mark.parametrize("written, personal", SCRUBBED, ids=[w[:24] for w, _ in SCRUBBED])
def test_names_handles_and_written_out_addresses_are_scrubbed(written, personal):
    """Issue 14.7: the staff page said names were removed; they were not."""
    scrubbed = scrub(written)
    assert [p for p in personal if p in scrubbed] == [], scrubbed
    assert any(placeholder in scrubbed for placeholder in ("[name]", "[handle]", "[email]"))


@pytest.mark.parametrize("written", [
    "I am at work. It is hard", "meet me at the station", "I am at school dot not a problem",
    "my name", "I need a doctor at 9", "Ahmed needs a doctor",
])
def test_ordinary_sentences_are_not_scrubbed(written):
    assert scrub(written) == written


def test_names_handles_and_distances_are_not_stored(tracker_db, monkeypatch):
    """Issues 14.6 and 14.7 through the store: "350 m from you" for three known services gave
    the position back."""
    monkeypatch.setenv("INCLUBOT_CONVERSATION_KEY", "test-key")
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = ScrubbingTrackerStore(domain=domain, host=tracker_db)
    replies = []
    for language, distances in (("en", (120, 1480)), ("fr", (3120,)), ("ar", (650,)), ("tr", (12_400,))):
        for metres in distances:
            replies.append((language, metres, f"Clinic\n{text('distance_from_you', language, distance=format_distance(metres, language))}\nGP"))
    events = [
        ActionExecuted("action_listen"),
        UserUttered("my name is Ahmed Yusuf, @ahmed_yusuf, maria at gmail dot com", intent={"name": "health", "confidence": 1.0}),
        *[BotUttered(reply) for _, _, reply in replies],
        ActionExecuted("action_listen"),
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events("tg:42", events, domain.slots)))
    stored = stored_conversations(tracker_db)
    for personal in ("Ahmed", "Yusuf", "ahmed_yusuf", "maria", "gmail"):
        assert personal not in stored
    for language, metres, _ in replies:
        assert format_distance(metres, language) not in stored
    restored = asyncio.run(store.retrieve("tg:42"))
    assert [e.text for e in restored.events if isinstance(e, BotUttered)] == ["Clinic\nGP"] * len(replies)
    store.engine.dispose()


@pytest.mark.slow  # runs the inclubot command as a process
def test_conversations_stored_before_namespaces_are_moved_under_their_channel(tracker_db, tmp_path, monkeypatch):
    """Issue 14.1: a conversation stored under the hash of "123456789" (Telegram chat, and
    also written to by REST sender "123456789", the hole) goes to tg: and rest: apart."""
    monkeypatch.setenv("INCLUBOT_CONVERSATION_KEY", "test-key")
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = ScrubbingTrackerStore(domain=domain, host=tracker_db)

    def said(message: str, channel: str):
        return [UserUttered(message, intent={"name": "health", "confidence": 1.0}, input_channel=channel),
                ActionExecuted("action_answer"), BotUttered(f"answer to {message}"), ActionExecuted("action_listen")]

    old_style = [  # the bare id, as every channel stored it before
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        *said("ik zoek een dokter", "telegram"), SlotSet("city", "brussels"),
        *said("written by a stranger", "rest"), SlotSet("city", "mechelen"),
        *said("en een advocaat", "telegram"),
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events("123456789", old_style, domain.slots)))
    asyncio.run(store.save(DialogueStateTracker.from_events("abc", [ActionExecuted("action_listen"), *said("hello", "socketio")], domain.slots)))

    environment = {**os.environ, "INCLUBOT_TRACKER_STORE_URL": tracker_db,
                   "INCLUBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.db'}"}
    for run in range(2):  # again: nothing more moves
        result = subprocess.run([str(BIN / "inclubot"), "db", "upgrade"], env=environment, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert ("moved under their channel's namespace" in result.stdout) == (run == 0), result.stdout

    def user_texts(conversation_id):
        tracker = asyncio.run(store.retrieve_full_tracker(conversation_id))
        return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else None

    assert user_texts("tg:123456789") == ["ik zoek een dokter", "en een advocaat"]
    assert user_texts("rest:123456789") == ["written by a stranger"]
    assert user_texts("web:abc") == ["hello"]
    assert user_texts("123456789") is None and user_texts("rest:abc") is None
    telegram = asyncio.run(store.retrieve_full_tracker("tg:123456789"))
    assert any(isinstance(e, SessionStarted) for e in telegram.events)  # with what came before its first message
    store.engine.dispose()


def test_what_a_person_writes_is_not_kept_in_the_embedding_cache(chat):
    """The disk cache of sentence embeddings is for the training data. This message reads as a
    library question as a whole, so the danger model reads it in stretches too (and finds the
    fall): neither the message nor a stretch of it is left on disk."""
    from bot import sentence_embedding

    words = ("bonjour, je m'appelle Leyla Haddad et je voudrais savoir si la bibliothèque de Saint-Jean-de-la-Ruelle "
             "prête des livres en arabe pour les enfants. mon mari vient de tomber dans l'escalier, il saigne beaucoup "
             "de la tête et il ne répond plus quand je lui parle. et est-ce qu'il faut une carte pour chaque enfant ou "
             "une seule pour la famille ?").split()
    messages = chat({"city": "saint-jean-de-la-ruelle", "language": "fr"}).send(" ".join(words))
    assert messages and messages[0].get("text") == text("emergency", "fr")
    stretches = [" ".join(words[start:start + 15]) for start in range(0, len(words) - 14)]
    kept = sentence_embedding._read_cache()
    assert kept, "the training filled the cache"
    assert not [s for s in [" ".join(words), *stretches] if sentence_embedding._key(s) in kept]
