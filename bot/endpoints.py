"""The endpoints file a Rasa process is started with: endpoints.yml plus what the
environment configures.

Rasa's endpoints.yml can name environment variables but fails when one is unset, and cannot
switch a section on or off. So each Rasa process gets its own file, written at start:
endpoints.yml as it is, and a Redis lock store when INCLUBOT_REDIS_URL is set
(redis://[:password@]host[:port][/db], rediss:// for TLS), which several Rasa processes
need so that two messages of one conversation are never handled at the same time.
bot/servers.py writes it for every Rasa server it starts (`inclubot run`, `inclubot serve`).

  python -m bot.endpoints OUT_FILE     (the same, for a `rasa` command run by hand)
"""
import os
import sys
from pathlib import Path
from typing import Dict, Mapping
from urllib.parse import unquote, urlsplit

import yaml

from bot.deadlines import REDIS_S
from bot.settings import PROJECT_ROOT, redis_url as configured_redis_url

ENDPOINTS_FILE = PROJECT_ROOT / "endpoints.yml"
LOCK_KEY_PREFIX = "inclubot"


def redis_lock_store(url: str) -> Dict[str, object]:
    """The Redis lock store's settings from a redis:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError("INCLUBOT_REDIS_URL must look like redis://[:password@]host[:port][/db]")
    database = parts.path.lstrip("/") or "0"
    if not database.isdigit():
        raise ValueError("the database in INCLUBOT_REDIS_URL must be a number, e.g. redis://host:6379/0")
    settings = {
        "type": "bot.lock_store.RedisTicketLockStore",  # Rasa's, made safe for several processes
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int(database),
        "use_ssl": parts.scheme == "rediss",
        "key_prefix": LOCK_KEY_PREFIX,
        "socket_timeout": REDIS_S,  # Rasa's default, 10 s, would leave a person waiting
    }
    if parts.username:
        settings["username"] = unquote(parts.username)
    if parts.password:
        settings["password"] = unquote(parts.password)
    return settings


def endpoints_text(environ: Mapping[str, str] = None) -> str:
    base = ENDPOINTS_FILE.read_text(encoding="utf-8")
    redis_url = configured_redis_url(environ)
    if not redis_url:
        return base
    if "lock_store" in (yaml.safe_load(base) or {}):
        raise ValueError("endpoints.yml already has a lock_store; INCLUBOT_REDIS_URL would add another")
    # Appended as text: endpoints.yml keeps its ${VARIABLES} for Rasa to fill in.
    return base.rstrip("\n") + "\n" + yaml.safe_dump({"lock_store": redis_lock_store(redis_url)}, sort_keys=False)


def write_endpoints(path: Path, environ: Mapping[str, str] = None) -> Path:
    """Write the endpoints file for one Rasa process; readable by its owner only (it may
    hold the Redis password)."""
    text = endpoints_text(environ)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bot.endpoints OUT_FILE")
    try:
        write_endpoints(Path(sys.argv[1]))
    except ValueError as error:
        sys.exit(str(error))
