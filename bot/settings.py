"""Where the project is, and its configuration: the one module that reads INCLUBOT_* (and
ACTION_SERVER_URL, USER) from the environment, each setting with a working local default.
Telegram's TELEGRAM_* are read by bot/channels/telegram_settings.py, the channel's own.

Every setting is read when it is asked for, not when this module is imported: the tests
and `inclubot run` start servers with an environment of their own, and a function given an
`environ` reads that mapping instead of this process's environment (the servers' before
they start).
"""
import os
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"  # what an installation makes: databases, keys, logs, caches


def value(name: str, default: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """A variable of `environ` (by default this process's environment)."""
    return (os.environ if environ is None else environ).get(name, default)


def _whole_number(name: str, default: int, minimum: int = 0) -> int:
    configured = (value(name) or "").strip()
    if not configured:
        return default
    if not configured.isdigit() or int(configured) < minimum:
        at_least = f" ({minimum} or more)" if minimum else ""
        raise ValueError(f"{name} must be a whole number of days{at_least}, not {configured!r}")
    return int(configured)


# --- the servers ----------------------------------------------------------------------------

def bind_host() -> str:
    return value("INCLUBOT_HOST", "127.0.0.1")


def rasa_port() -> int:
    return int(value("INCLUBOT_RASA_PORT", "5005"))


def actions_port() -> int:
    return int(value("INCLUBOT_ACTIONS_PORT", "5055"))


def web_port() -> int:
    return int(value("INCLUBOT_WEB_PORT", "8080"))


def local_rasa_url() -> str:
    """The Rasa server of this machine, at its configured port."""
    return f"http://127.0.0.1:{rasa_port()}"


def rasa_url() -> str:
    """Where the Rasa server is reached from here (the staff side): INCLUBOT_RASA_URL."""
    return value("INCLUBOT_RASA_URL") or local_rasa_url()


def local_action_server_url() -> str:
    """The action server of this machine, at its configured port."""
    return f"http://127.0.0.1:{actions_port()}/webhook"


def action_server_url() -> str:
    """Where the Rasa server reaches the actions (`inclubot serve rasa`): ACTION_SERVER_URL."""
    return value("ACTION_SERVER_URL") or local_action_server_url()


def public_rasa_url() -> str:
    """Rasa's address as the user's browser reaches it (a proxy's address in production)."""
    return value("INCLUBOT_PUBLIC_RASA_URL", "http://127.0.0.1:5005").rstrip("/")


def redis_url(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """Redis shared by several Rasa processes (lock store, Telegram redeliveries); none by default."""
    return value("INCLUBOT_REDIS_URL", environ=environ) or None


def rest_clients() -> str:
    """Who else than this machine may use the REST channel (addresses/networks); "" for nobody."""
    return (value("INCLUBOT_REST_CLIENTS") or "").strip()


def trusted_proxies() -> str:
    """The reverse proxies whose X-Forwarded-For the web app believes; "" for none."""
    return value("INCLUBOT_TRUSTED_PROXIES") or ""


# --- the databases --------------------------------------------------------------------------

def database_url() -> str:
    """The knowledge base: any SQLAlchemy URL, SQLite under var/ by default."""
    return value("INCLUBOT_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'inclubot.db'}"


def tracker_store_url() -> str:
    """The conversations: any SQLAlchemy URL, SQLite under var/ by default."""
    return value("INCLUBOT_TRACKER_STORE_URL") or f"sqlite:///{VAR_DIR / 'tracker.db'}"


# --- privacy and staff ----------------------------------------------------------------------

def retention_days() -> int:
    """How long conversations and unanswered questions are kept."""
    return _whole_number("INCLUBOT_RETENTION_DAYS", 30)


def ticket_retention_days() -> int:
    """How long a closed handoff ticket is kept."""
    return _whole_number("INCLUBOT_TICKET_RETENTION_DAYS", 90, minimum=1)


def handoff_answer_days() -> str:
    """When the cities' teams usually answer, in working days: "2" or "2,jelgava=5"."""
    return value("INCLUBOT_HANDOFF_ANSWER_DAYS") or ""


def admin_idle_seconds() -> float:
    return float(value("INCLUBOT_ADMIN_IDLE_MINUTES", "30")) * 60


def admin_session_seconds() -> float:
    return float(value("INCLUBOT_ADMIN_SESSION_HOURS", "10")) * 3600


def secure_cookies() -> bool:
    """Behind HTTPS (production) set INCLUBOT_SECURE_COOKIES=1; local http needs it off."""
    return value("INCLUBOT_SECURE_COOKIES") == "1"


def cli_actor() -> str:
    """Who the audit log names for a change made on the command line."""
    return f"cli:{value('USER', 'staff')}"


# --- capacity ------------------------------------------------------------------------------

def encoder_threads() -> int:
    return int(value("INCLUBOT_ENCODER_THREADS", "2"))


def cache_dir() -> Path:
    """Where computations worth keeping across checkouts go (the training sentences'
    embeddings): the user's cache folder, like pip's, so that a second clone on the same
    machine, CI's among them, does not embed the same sentences again."""
    configured = value("INCLUBOT_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(value("XDG_CACHE_HOME") or Path.home() / ".cache") / "inclubot"


def training_cache_dir() -> Path:
    """Rasa's training cache (the components it trained, by the fingerprint of what they were
    trained from), in the cache folder too: a second clone trains only what differs."""
    return Path(value("RASA_CACHE_DIRECTORY") or cache_dir() / "rasa")


def speech_per_minute() -> int:
    """Answers read aloud per minute and client address."""
    return int(value("INCLUBOT_SPEECH_PER_MINUTE") or 30)
