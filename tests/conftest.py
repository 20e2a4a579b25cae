"""Shared fixtures: a real database, a trained model, and the servers started as a user does.

Databases: SQLite always; PostgreSQL too, at INCLUBOT_TEST_POSTGRES_URL, and Redis at
INCLUBOT_TEST_REDIS_URL (.ci/run starts both and sets them). A test that needs one of them
is skipped with the reason when it is not configured or does not answer, except in CI
(CI=true), where that is a failure: nothing is skipped there. Each test gets its own fresh
PostgreSQL database.
"""
import fcntl
import json
import os
import shutil
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
REDIS_URL = os.environ.get("INCLUBOT_TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

os.environ["RASA_TELEMETRY_ENABLED"] = "false"

# The test processes run Rasa's code as the server does, without TensorFlow, which none of
# them uses (training runs in its own process): 2.7 s and about 450 MB less for each of
# make test's processes, which import spaCy (its thinc imported TensorFlow) and Rasa.
from bot.without_tensorflow import keep_tensorflow_out  # noqa: E402

keep_tensorflow_out()


def fresh_sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / f'kb-{uuid.uuid4().hex[:8]}.db'}"


def _unavailable(service: str, variable: str, problem: str) -> None:
    reason = f"{service} {problem}: set {variable} to a running server (.ci/run does)"
    if IN_CI:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def postgres_server() -> str:
    """INCLUBOT_TEST_POSTGRES_URL, answering; or the test is skipped with the reason."""
    if not POSTGRES_URL:
        _unavailable("PostgreSQL", "INCLUBOT_TEST_POSTGRES_URL", "is not configured")
    try:
        engine = create_engine(POSTGRES_URL, future=True, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # psycopg2.OperationalError, wrapped by SQLAlchemy
        _unavailable("PostgreSQL", "INCLUBOT_TEST_POSTGRES_URL", f"does not answer ({type(error).__name__})")
    return POSTGRES_URL


def redis_server() -> str:
    """INCLUBOT_TEST_REDIS_URL, answering; or the test is skipped with the reason."""
    import redis

    if not REDIS_URL:
        _unavailable("Redis", "INCLUBOT_TEST_REDIS_URL", "is not configured")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        _unavailable("Redis", "INCLUBOT_TEST_REDIS_URL", f"does not answer ({type(error).__name__})")
    return REDIS_URL


def fresh_postgres_url(template: str = None) -> str:
    """A new database on the PostgreSQL server of INCLUBOT_TEST_POSTGRES_URL: empty, or a
    copy of the database named `template`."""
    postgres_server()
    name = f"inclubot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres(url: str) -> None:
    get_engine(url).dispose()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


# A test that needs one of these (a trained model, a server process, a browser) is marked
# `slow`, as is one that runs a command as a process (`@pytest.mark.slow` where it does):
# `pytest -m "not slow"` is the fast layer, in this process, everything else in seconds.
PROCESS_FIXTURES = frozenset({
    "trained_model", "action_server", "rasa_server", "handoff_actions", "telegram_actions",
    "web_app", "cluster", "run", "proxy", "redis_proxy", "chromium", "browser", "flaky_server",
    "site", "admin_site",  # the staff admin's web server (tests/test_admin.py, tests/test_fuzz.py)
})


# Under `make test`'s 4 processes (pytest-xdist, --dist loadgroup) a file's tests stay
# together and in order, in one process, as they are written (a test may read what the ones
# before it did to their shared servers: tests/test_faults.py reads their logs). The files
# that run `inclubot run` in the checkout itself, whose var/ they read, share one process.
# A file's tests that need the trained model form a group apart from its other tests.
RUNS_IN_THE_CHECKOUT = frozenset({"test_run_command.py", "test_supervision.py"})


def needs_model(item) -> bool:
    return "trained_model" in getattr(item, "fixturenames", ())


def process_group_of(item) -> str:
    if item.path.name in RUNS_IN_THE_CHECKOUT:
        return "runs_in_the_checkout"
    return item.path.name + (" (model)" if needs_model(item) else "")


def in_training_order(items) -> list:
    """The groups in the order the processes take them (make test passes
    --no-loadscope-reorder): one group that needs the model first, whose process trains it;
    then every group that does not, so the other processes work during the minutes of
    training instead of waiting on its lock; then the other groups that need the model.
    Larger groups first within each part, so the processes end together."""
    groups: Dict[str, list] = {}
    for item in items:
        groups.setdefault(process_group_of(item), []).append(item)
    with_model, without_model = [], []
    for group in sorted(groups.values(), key=len, reverse=True):
        (with_model if any(map(needs_model, group)) else without_model).append(group)
    ordered = with_model[:1] + without_model + with_model[1:]
    return [item for group in ordered for item in group]


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which reads the xdist_group markers
def pytest_collection_modifyitems(items):
    for item in items:
        if PROCESS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        item.add_marker(pytest.mark.xdist_group(process_group_of(item)))
    items[:] = in_training_order(items)


DATABASE_KINDS = ["sqlite", "postgresql"]


@pytest.fixture(params=DATABASE_KINDS)
def database_kind(request) -> str:
    """The kind of database a test's knowledge bases are on: every test runs on each."""
    return request.param


def _new_empty_db(kind: str, directory: Path) -> str:
    url = fresh_sqlite_url(directory) if kind == "sqlite" else fresh_postgres_url()
    upgrade(url)
    return url


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        drop_postgres(url)
    else:
        get_engine(url).dispose()


@pytest.fixture
def empty_db(database_kind, tmp_path) -> str:
    """The URL of a migrated, empty knowledge base (SQLite, and PostgreSQL)."""
    url = _new_empty_db(database_kind, tmp_path)
    yield url
    _drop(url)


@pytest.fixture
def second_db(database_kind, tmp_path) -> str:
    """Another empty knowledge base on the same kind of database (an import's destination)."""
    url = _new_empty_db(database_kind, tmp_path / "second")
    yield url
    _drop(url)


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory):
    """One knowledge base per database kind loaded with the demo, once: each test's demo_db
    is a copy (loading the demo takes seconds; a copy, milliseconds)."""
    templates = {}

    def template(kind: str) -> str:
        if kind not in templates:
            url = fresh_sqlite_url(tmp_path_factory.mktemp("demo")) if kind == "sqlite" else fresh_postgres_url()
            upgrade(url)
            with session_scope(url) as session:
                load_demo(session)
            get_engine(url).dispose()  # no connection left: a PostgreSQL template must have none
            templates[kind] = url
        return templates[kind]

    yield template
    for kind, url in templates.items():
        if kind == "postgresql":
            drop_postgres(url)


@pytest.fixture
def demo_db(database_kind, tmp_path, demo_templates) -> str:
    """A knowledge base of its own loaded with the demo entries of the eight cities."""
    template = demo_templates(database_kind)
    if database_kind == "sqlite":
        url = fresh_sqlite_url(tmp_path)
        for suffix in ("", "-wal"):  # the write-ahead log, if SQLite left one
            if Path(template[len("sqlite:///"):] + suffix).exists():
                shutil.copyfile(template[len("sqlite:///"):] + suffix, url[len("sqlite:///"):] + suffix)
    else:
        url = fresh_postgres_url(template=template.rsplit("/", 1)[1])
    yield url
    _drop(url)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The project's model, trained by the same command as `inclubot run` (skipped by Rasa
    itself when nothing changed). One test process trains at a time: the others, waiting on
    the lock, then find the model up to date."""
    lock_path = PROJECT_ROOT / "var" / "test-training.lock"
    lock_path.parent.mkdir(mode=0o700, exist_ok=True)
    lock = os.open(lock_path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            [str(servers.BIN / "inclubot"), "train"], cwd=PROJECT_ROOT,
            capture_output=True, text=True, timeout=1800,
        )
    finally:
        os.close(lock)  # and with it the lock
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
