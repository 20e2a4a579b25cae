"""Where conversations are stored, and under which id: the database of Rasa's tracker store.

INCLUBOT_TRACKER_STORE_URL (any SQLAlchemy URL: postgresql://… in production), SQLite in
var/tracker.db by default. A conversation is stored under a keyed hash of its id (so the
table holds no Telegram chat ids), keyed by INCLUBOT_CONVERSATION_KEY, shared by every Rasa
process; a key file under var/ by default. Read by the tracker store (bot/tracker_store.py)
and by the privacy commands (bot/retention.py), which must not need Rasa to run.
"""
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
POSTGRES_CONNECT_TIMEOUT_S = "5"  # an unreachable database must fail fast, not hang a reply
EVENTS_TABLE = "events"  # the table of Rasa's SQLTrackerStore
KEY_FILE = PROJECT_ROOT / "var" / "conversation.key"


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


def conversation_key() -> bytes:
    configured = os.environ.get("INCLUBOT_CONVERSATION_KEY")
    if configured:
        return configured.encode()
    return _local_key()


def _local_key() -> bytes:
    """A random key kept under var/, created once (atomically: several processes start)."""
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        candidate = KEY_FILE.with_name(f"{KEY_FILE.name}.{os.getpid()}.tmp")
        candidate.write_text(secrets.token_hex(32))
        candidate.chmod(0o600)
        try:
            os.link(candidate, KEY_FILE)
        except FileExistsError:
            pass  # another process made it first; use theirs
        finally:
            candidate.unlink()
    return KEY_FILE.read_text().strip().encode()


def pseudonym(sender_id: str, key: bytes) -> str:
    return hmac.new(key, str(sender_id).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
