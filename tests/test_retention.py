"""`inclubot privacy purge`: conversations and unanswered questions older than the retention
period are deleted, on SQLite and on PostgreSQL (where, as in production, the conversations
and the knowledge base share one database); everything younger stays and still works."""
import asyncio
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select

from bot import servers
from bot.tracker_store import ScrubbingTrackerStore
from knowledge.db import session_scope
from knowledge.models import QuestionEvent, UnansweredQuestion

DAY = 24 * 3600
DOMAIN = Domain.load(str(servers.PROJECT_ROOT / "domain.yml"))


def session(days_ago: float, city: str, language: str, question: str):
    """The events of one conversation session that happened `days_ago`."""
    at = time.time() - days_ago * DAY
    return [
        ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at),
        SlotSet("city", city, timestamp=at), SlotSet("language", language, timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(question, intent={"name": "health", "confidence": 1.0}, timestamp=at + 1),
        ActionExecuted("action_answer", timestamp=at + 2), BotUttered("…", timestamp=at + 2),
        ActionExecuted("action_listen", timestamp=at + 2),
    ]


@pytest.fixture
def stores(empty_db, tmp_path, monkeypatch):
    """(tracker store URL, knowledge base URL) with three conversations and four questions."""
    monkeypatch.setenv("INCLUBOT_CONVERSATION_KEY", "retention-test")
    tracker_url = empty_db if empty_db.startswith("postgresql") else f"sqlite:///{tmp_path / 'tracker.db'}"
    store = ScrubbingTrackerStore(domain=DOMAIN, host=tracker_url)
    conversations = {
        "rest:old": session(40, "mechelen", "nl", "ik zoek een dokter"),
        "web:recent": session(2, "jelgava", "lv", "man vajag ārstu"),
        # came back: a session 45 days ago, and one yesterday that carried its slots over
        "tg:returning": session(45, "brussels", "fr", "je cherche un médecin") + session(1, "brussels", "fr", "merci"),
    }
    for sender, events in conversations.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events, DOMAIN.slots)))
    store.engine.dispose()

    now = datetime.now(timezone.utc)
    with session_scope(empty_db) as db:
        for days in (31, 90, 5):
            db.add(UnansweredQuestion(text=f"asked {days} days ago", asked_at=now - timedelta(days=days), city_id=None, language="en"))
        db.add(QuestionEvent(category="health", language="en", asked_at=now - timedelta(days=100)))
    return tracker_url, empty_db


def purge(stores, *args, **env):
    return privacy(stores, "purge", *args, **env)


def privacy(stores, *args, **env):
    """`inclubot privacy ARGS` as staff run it, on these stores."""
    tracker_url, knowledge_url = stores
    environment = {name: value for name, value in os.environ.items() if name != "INCLUBOT_RETENTION_DAYS"}
    environment.update(
        {"INCLUBOT_TRACKER_STORE_URL": tracker_url, "INCLUBOT_DATABASE_URL": knowledge_url,
         "INCLUBOT_CONVERSATION_KEY": "retention-test", **env}
    )
    return subprocess.run(
        [str(servers.BIN / "inclubot"), "privacy", *args],
        cwd=servers.PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


def conversation(tracker_url: str, sender: str):
    store = ScrubbingTrackerStore(domain=DOMAIN, host=tracker_url)
    try:
        return asyncio.run(store.retrieve_full_tracker(sender))
    finally:
        store.engine.dispose()


def questions_left(knowledge_url: str):
    with session_scope(knowledge_url) as db:
        texts = sorted(db.execute(select(UnansweredQuestion.text)).scalars())
        counted = db.execute(select(func.count()).select_from(QuestionEvent)).scalar_one()
    return texts, counted


@pytest.mark.slow  # runs the inclubot command as a process
def test_purge_deletes_what_is_older_than_the_period_and_keeps_the_rest(stores):
    result = purge(stores, "--older-than-days", "30")
    assert result.returncode == 0, result.stderr
    assert "2 unanswered question(s)" in result.stdout

    tracker_url, knowledge_url = stores
    assert conversation(tracker_url, "rest:old") is None
    recent = conversation(tracker_url, "web:recent")
    assert recent.get_slot("city") == "jelgava" and recent.latest_message.text == "man vajag ārstu"
    returning = conversation(tracker_url, "tg:returning")
    assert [e for e in returning.events if isinstance(e, SessionStarted)] and len(returning.events) == 9
    assert returning.get_slot("city") == "brussels" and returning.get_slot("language") == "fr"
    assert returning.latest_message.text == "merci"
    # 9 events of "old" and 9 of the first session of "returning"
    assert "18 conversation event(s)" in result.stdout

    # Counts of answered questions hold no text and no user: they stay for the statistics.
    assert questions_left(knowledge_url) == (["asked 5 days ago"], 1)


@pytest.mark.slow  # runs the inclubot command as a process
def test_forget_deletes_one_conversation_with_all_its_sessions_and_nothing_else(stores):
    # The same id on another channel is another person: nothing of theirs is deleted.
    other_channel = privacy(stores, "forget", "rest:returning")
    assert other_channel.returncode == 0 and "no conversation is stored under that id" in other_channel.stdout
    result = privacy(stores, "forget", "tg:returning")
    assert result.returncode == 0, result.stderr
    assert "deleted 18 event(s)" in result.stdout  # both sessions, 45 days ago and yesterday
    tracker_url, _ = stores
    assert conversation(tracker_url, "tg:returning") is None
    assert conversation(tracker_url, "web:recent").latest_message.text == "man vajag ārstu"
    assert conversation(tracker_url, "rest:old") is not None

    again = privacy(stores, "forget", "tg:returning")
    assert again.returncode == 0 and "no conversation is stored under that id" in again.stdout


@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("bare_id", ["returning", " ", "tg:", "telegram:returning"])
def test_forget_needs_the_id_with_its_channel(stores, bare_id):
    result = privacy(stores, "forget", bare_id)
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith("nothing was deleted: give the conversation id with its channel: tg:")
    assert "Traceback" not in result.stderr
    assert conversation(stores[0], "tg:returning") is not None


@pytest.mark.slow  # runs the inclubot command as a process
def test_the_period_comes_from_the_environment_by_default(stores):
    result = purge(stores, INCLUBOT_RETENTION_DAYS="60")
    assert result.returncode == 0, result.stderr
    tracker_url, knowledge_url = stores
    assert conversation(tracker_url, "rest:old") is not None  # 40 days < 60
    assert questions_left(knowledge_url)[0] == ["asked 31 days ago", "asked 5 days ago"]


@pytest.mark.slow  # runs the inclubot command as a process
def test_the_default_period_is_30_days(stores):
    result = purge(stores)
    assert result.returncode == 0, result.stderr
    assert conversation(stores[0], "rest:old") is None
    assert questions_left(stores[1])[0] == ["asked 5 days ago"]


@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("args, env", [(["--older-than-days", "0"], {}), ([], {"INCLUBOT_RETENTION_DAYS": "thirty"})])
def test_a_wrong_period_is_explained_and_nothing_is_deleted(stores, args, env):
    result = purge(stores, *args, **env)
    assert result.returncode == 2
    assert result.stderr.startswith("nothing was deleted:") and "Traceback" not in result.stderr
    assert conversation(stores[0], "rest:old") is not None
    assert len(questions_left(stores[1])[0]) == 3


@pytest.mark.slow  # runs the inclubot command as a process
def test_an_unreachable_database_is_reported_without_a_traceback(stores):
    result = purge(stores, INCLUBOT_TRACKER_STORE_URL=f"postgresql://postgres@127.0.0.1:{servers.free_port()}/none")
    assert result.returncode == 1
    assert "could not be reached" in result.stderr and "Traceback" not in result.stderr
    assert len(questions_left(stores[1])[0]) == 3
