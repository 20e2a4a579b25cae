"""Database connection: any SQLAlchemy URL from INCLUBOT_DATABASE_URL, SQLite by default."""
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import database_url  # noqa: F401 - the knowledge base's URL, for its users here
from knowledge import private_files

CONNECT_TIMEOUT_S = 3


def get_engine(url: str = None) -> Engine:
    """The engine of `url`, by default of INCLUBOT_DATABASE_URL as it is now (a process that
    imported this before its environment was set, as the tests do, still reaches its database)."""
    return _engine(url or database_url())


@lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        private_files.private_dir(Path(url[len("sqlite:///"):]).parent)
    # pool_pre_ping: a restarted database must not leave dead connections behind.
    # hide_parameters: a failed statement is logged without its values (a user's question).
    options = {"future": True, "pool_pre_ping": True, "hide_parameters": True, **sqlite_pool_options(url), **connect_timeout_options(url)}
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas)
    return engine


def sqlite_pool_options(url: str) -> Dict[str, Any]:
    """Engine options that keep SQLite file connections open. SQLAlchemy 1.4 opens a new
    one per session by default (NullPool), with its pragmas each time: an action's queries
    took 28 ms instead of 6, the tracker store a tenth of the server's time per message."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}
    return {}


def connect_timeout_options(url: str) -> Dict[str, Any]:
    """A PostgreSQL server that cannot be reached (packets dropped) would hold a connection
    attempt for about two minutes, and with it a person's message (bot/deadlines.py): a few
    seconds, unless the URL sets its own connect_timeout."""
    if url.startswith("postgresql") and "connect_timeout=" not in url:
        return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_S}}
    return {}


def sqlite_pragmas(dbapi_connection, _record) -> None:
    """Every SQLite connection of the project's (knowledge base and tracker store)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the admin write while the action server reads, and several local servers
    # (and test runs) share one file.
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL stays consistent after a crash and avoids an fsync per commit (the
    # tracker store commits on every message: an eighth of the server's time with FULL).
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Wait for a writer rather than fail.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@contextmanager
def session_scope(url: str = None) -> Iterator[Session]:
    """A session that commits on success and rolls back everything on error."""
    session = sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
