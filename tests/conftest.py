"""Shared fixtures: a real database, a trained model, and the servers started as a user does.

Databases: SQLite always; PostgreSQL too when INCLUBOT_TEST_POSTGRES_URL is set (.ci/run
sets it to the machine's server). Each test session gets its own fresh PostgreSQL database.
"""
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests
from sqlalchemy import create_engine, text

from bot import conversation_ids, servers
from bot.api_token import with_token
from knowledge.db import get_engine, session_scope
from knowledge.migrate import upgrade
from knowledge.transfer import load_demo

PROJECT_ROOT = servers.PROJECT_ROOT
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
POSTGRES_URL = os.environ.get("INCLUBOT_TEST_POSTGRES_URL")

os.environ["RASA_TELEMETRY_ENABLED"] = "false"


def fresh_sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / f'kb-{uuid.uuid4().hex[:8]}.db'}"


def fresh_postgres_url() -> str:
    """A new empty database on the PostgreSQL server of INCLUBOT_TEST_POSTGRES_URL."""
    name = f"inclubot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres(url: str) -> None:
    get_engine(url).dispose()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


DATABASE_KINDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(params=DATABASE_KINDS)
def empty_db(request, tmp_path) -> str:
    """The URL of a migrated, empty knowledge base (SQLite, and PostgreSQL when configured)."""
    url = fresh_sqlite_url(tmp_path) if request.param == "sqlite" else fresh_postgres_url()
    upgrade(url)
    yield url
    if request.param == "postgresql":
        drop_postgres(url)
    else:
        get_engine(url).dispose()


@pytest.fixture
def demo_db(empty_db) -> str:
    """A knowledge base loaded with the demo entries of the eight cities."""
    with session_scope(empty_db) as session:
        load_demo(session)
    return empty_db


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The project's model, trained by the same command as `inclubot run` (skipped by Rasa
    itself when nothing changed)."""
    result = subprocess.run(
        [str(servers.BIN / "inclubot"), "train"], cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return servers.MODELS_DIR


@pytest.fixture(scope="session")
def session_db(tmp_path_factory) -> str:
    """The knowledge base the running servers use: SQLite with the demo entries."""
    url = fresh_sqlite_url(tmp_path_factory.mktemp("servers"))
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session)
    return url


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def action_server(session_db, server_logs):
    port = servers.free_port()
    server = servers.action_server(
        port, env={"INCLUBOT_DATABASE_URL": session_db}, log_path=server_logs / "actions.log"
    ).start()
    try:
        server.wait_until_up()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rasa_server(trained_model, action_server, session_db, server_logs):
    port = servers.free_port()
    server = servers.rasa_server(
        port, f"{action_server}/webhook", model=trained_model,
        env={
            "INCLUBOT_DATABASE_URL": session_db,
            # conversations of this test session only (scrubbing SQL tracker store)
            "INCLUBOT_TRACKER_STORE_URL": f"sqlite:///{server_logs / 'tracker.db'}",
        },
        log_path=server_logs / "rasa.log",
    ).start()
    try:
        server.wait_until_up()
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


class Chat:
    """A user of the REST channel: sends messages, returns what the bot says."""

    def __init__(self, base_url: str, sender: str = None, metadata: Optional[Dict] = None):
        self.base_url = base_url
        self.sender = sender or f"test-{uuid.uuid4().hex[:10]}"
        self.metadata = metadata or {}

    def send(self, message: str, **metadata) -> List[Dict]:
        response = requests.post(
            f"{self.base_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": message, "metadata": {**self.metadata, **metadata}},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def say(self, message: str, **metadata) -> str:
        """All the bot's texts for one message, joined."""
        return "\n".join(m.get("text", "") for m in self.send(message, **metadata))

    @property
    def conversation_id(self) -> str:
        return conversation_ids.rest(self.sender)

    def tracker(self) -> Dict:
        return requests.get(f"{self.base_url}/conversations/{self.conversation_id}/tracker", params=with_token(), timeout=30).json()

    def slot(self, name: str):
        return self.tracker()["slots"].get(name)


@pytest.fixture
def chat(rasa_server):
    def new_chat(metadata: Optional[Dict] = None, sender: str = None) -> Chat:
        return Chat(rasa_server, sender=sender, metadata=metadata)

    return new_chat


def buttons_of(messages: List[Dict]) -> List[Dict]:
    return [b for m in messages for b in m.get("buttons", [])]


def dump(messages) -> str:
    return json.dumps(messages, ensure_ascii=False, indent=1)
