"""Where conversations are stored, and under which id: the database of Rasa's tracker store.

INCLUBOT_TRACKER_STORE_URL (any SQLAlchemy URL: postgresql://… in production), SQLite in
var/tracker.db by default. A conversation is stored under its channel namespace and a keyed
hash of the channel's id (`tg:<hash>`: the table holds no Telegram chat ids), keyed by
INCLUBOT_CONVERSATION_KEY, shared by every Rasa process; a key file under var/ by default. Read by the tracker store (bot/tracker_store.py)
and by the privacy commands (bot/retention.py), which must not need Rasa to run.
"""
import hashlib
import hmac
from pathlib import Path

from sqlalchemy.engine import make_url

from bot import conversation_ids
from bot.settings import VAR_DIR, tracker_store_url  # noqa: F401 - the store's URL, for its users here
from knowledge import private_files

POSTGRES_CONNECT_TIMEOUT_S = "5"  # an unreachable database must fail fast, not hang a reply
EVENTS_TABLE = "events"  # the table of Rasa's SQLTrackerStore
KEY_FILE = VAR_DIR / "conversation.key"


def prepared_url(url: str) -> str:
    """The URL to connect to: SQLite's folder made, PostgreSQL with a connect timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        private_files.private_dir(Path(parsed.database).parent)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S})
    return parsed.render_as_string(hide_password=False)


def conversation_key() -> bytes:
    # Any length is accepted (tests use short ones); production sets 32+ random characters.
    return private_files.secret("INCLUBOT_CONVERSATION_KEY", KEY_FILE, min_length=1).encode()


def pseudonym(sender_id: str, key: bytes) -> str:
    """The id a conversation is stored under: its channel namespace in clear (not personal;
    it lets a migration and an operator tell channels apart), the channel's id hashed."""
    namespace, channel_id = conversation_ids.split(sender_id)
    hashed = keyed_hash(channel_id, key)
    return f"{namespace}:{hashed}" if namespace else hashed


def keyed_hash(value: str, key: bytes) -> str:
    return hmac.new(key, str(value).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
