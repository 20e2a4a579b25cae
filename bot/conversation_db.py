"""Where conversations are stored: the database of Rasa's tracker store.

INCLUBOT_TRACKER_STORE_URL (any SQLAlchemy URL: postgresql://… in production), SQLite in
var/tracker.db by default. Read by the tracker store (bot/tracker_store.py) and by the
retention command (bot/retention.py), which must not need Rasa to run.
"""
import os
from pathlib import Path

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
POSTGRES_CONNECT_TIMEOUT_S = "5"  # an unreachable database must fail fast, not hang a reply
EVENTS_TABLE = "events"  # the table of Rasa's SQLTrackerStore


def tracker_store_url() -> str:
    return os.environ.get("INCLUBOT_TRACKER_STORE_URL") or DEFAULT_URL


def prepared_url(url: str) -> str:
    """The URL to connect to: SQLite's folder made, PostgreSQL with a connect timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S})
    return parsed.render_as_string(hide_password=False)
