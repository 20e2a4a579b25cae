"""The production setup of deploy/ on one machine, on loopback: several Rasa servers and
action servers sharing one PostgreSQL database (conversations and knowledge base) and one
Redis (lock store). Used by bench/load_test.py and tests/test_multi_process.py.

Each Rasa server talks to its own action server here; in deploy/ they reach the action
servers through a Service. What spreads the users over the Rasa servers (the load balancer)
is the caller's part: see `Backends`.
"""
import os
import signal
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from sqlalchemy import create_engine, text

from bot import servers
from knowledge.db import get_engine, session_scope
from knowledge.migrate import upgrade
from knowledge.transfer import load_demo

# Rasa's ticket lock outlives a killed process by this much: the other servers wait for
# a dead process's lock on a conversation this long at most (Rasa's default is 60 s). A turn
# takes at most bot.deadlines.REPLY_S (3.5 s, then it is cancelled), so 5 s is enough.
TICKET_LOCK_LIFETIME_S = "5"


def create_database(server_url: str, prefix: str = "inclubot_cluster") -> str:
    """A new PostgreSQL database next to the one of `server_url`, migrated, with the demo
    knowledge base."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session)
    return url


def drop_database(server_url: str, url: str) -> None:
    get_engine(url).dispose()
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Cluster:
    rasa: List[servers.Server]
    actions: List[servers.Server]
    rasa_urls: List[str]
    log_dir: Path
    api_token: str

    def kill_rasa(self, index: int) -> None:
        """SIGKILL, as a crash or an out-of-memory kill would: no clean shutdown."""
        os.killpg(self.rasa[index].process.pid, signal.SIGKILL)
        self.rasa[index].process.wait()

    def stop(self) -> None:
        for server in self.rasa + self.actions:
            server.stop()


def start_cluster(
    size: int, database_url: str, redis_url: str, log_dir: Path,
    model: Path = servers.MODELS_DIR, env: Optional[Dict[str, str]] = None, rasa_args: Sequence[str] = (),
) -> Cluster:
    """`size` Rasa servers and `size` action servers on free loopback ports; returns once
    all of them answer."""
    log_dir.mkdir(parents=True, exist_ok=True)
    shared = {
        "INCLUBOT_DATABASE_URL": database_url,
        "INCLUBOT_TRACKER_STORE_URL": database_url,
        "INCLUBOT_REDIS_URL": redis_url,
        "INCLUBOT_CONVERSATION_KEY": f"cluster-{uuid.uuid4().hex}",
        "TICKET_LOCK_LIFETIME": TICKET_LOCK_LIFETIME_S,
        "INCLUBOT_API_TOKEN": uuid.uuid4().hex,  # as in production: the HTTP API needs it
        **(env or {}),
    }
    actions, rasa, urls = [], [], []
    try:
        for index in range(size):
            action_port, rasa_port = servers.free_port(), servers.free_port()
            actions.append(servers.action_server(
                action_port, host="127.0.0.1", env=shared, log_path=log_dir / f"actions-{index}.log",
            ).start())
            rasa.append(servers.rasa_server(
                rasa_port, f"http://127.0.0.1:{action_port}/webhook", host="127.0.0.1", model=model,
                env=shared, log_path=log_dir / f"rasa-{index}.log", extra_args=list(rasa_args),
            ).start())
            urls.append(f"http://127.0.0.1:{rasa_port}")
        for server in actions + rasa:
            server.wait_until_up()
    except BaseException:
        for server in rasa + actions:
            server.stop()
        raise
    return Cluster(rasa=rasa, actions=actions, rasa_urls=urls, log_dir=log_dir, api_token=shared["INCLUBOT_API_TOKEN"])


@dataclass
class Backends:
    """What a load balancer does, for one client: spread requests over the Rasa servers and
    stop sending to one that refuses connections (a health check would)."""

    urls: List[str]
    down: set = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pick(self, turn: int) -> str:
        with self._lock:
            alive = [u for u in self.urls if u not in self.down] or self.urls
        return alive[turn % len(alive)]

    def mark_down(self, url: str) -> None:
        with self._lock:
            self.down.add(url)
