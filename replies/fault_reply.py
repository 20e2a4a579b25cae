"""What the user is told when the assistant cannot answer (the action server or a database
is down): temporarily unavailable, 112 in an emergency, and where the city's information
desk is.

The desk comes from the knowledge base (each city's `human_contact` entry), which may be the
very thing that is down; so each process remembers the desks it last read, refreshes them in
the background every few minutes, and a fault reply only ever reads that memory.
"""
import logging
import threading
import time
from pathlib import Path
from typing import Dict, Optional

from sqlalchemy.engine import make_url

from knowledge.models import language_to_show
from knowledge.taxonomy import load_taxonomy
from replies.texts import text

logger = logging.getLogger(__name__)
REFRESH_EVERY_S = 300
RETRY_AFTER_S = 30
FIRST_LOAD_WAIT_S = 1.0

_desks: Dict[str, Dict[str, object]] = {}  # city id -> {"names": {language: name}, "contact": "..."}
_loaded = False
_next_refresh = 0.0  # time.monotonic() from which a refresh is due
_refreshing = threading.Lock()


def load_desks(database_url: str = None) -> Dict[str, Dict[str, object]]:
    """Every city's information desk, read from the knowledge base."""
    from knowledge import queries
    from knowledge.db import session_scope

    desks = {}
    with session_scope(database_url) as session:
        for city_id in load_taxonomy().cities:
            entry = queries.human_contact(session, city_id)
            if entry is not None:
                desks[city_id] = {
                    "names": {t.language: t.name for t in entry.texts},
                    "local": list(entry.city.local_languages or []),
                    "contact": " · ".join(v for v in (entry.phone, entry.address, entry.website) if v),
                }
    return desks


def refresh(database_url: str = None) -> bool:
    """Read the desks again; on failure the ones remembered stay. True when read."""
    global _desks, _loaded, _next_refresh
    try:
        _desks = load_desks(database_url)
    except Exception as error:  # noqa: BLE001 - the database may be down; that is why we remember
        logger.warning("information desks not refreshed: %s", type(error).__name__)
        _next_refresh = time.monotonic() + RETRY_AFTER_S
        return False
    _loaded = True
    _next_refresh = time.monotonic() + REFRESH_EVERY_S
    return True


def _refresh_in_background_if_due(wait: bool = True) -> None:
    """Start a refresh when one is due; before the first one succeeded, wait for it a
    moment (the database may be down: then the reply goes out without a desk)."""
    if time.monotonic() < _next_refresh or not _refreshing.acquire(blocking=False):
        return

    def run():
        try:
            refresh()
        finally:
            _refreshing.release()

    worker = threading.Thread(target=run, name="info-desks", daemon=True)
    worker.start()
    if wait and not _loaded:
        worker.join(FIRST_LOAD_WAIT_S)


def warm_up() -> None:
    """Read the desks now, in the background, while the database is (normally) up: the
    action server does at start, so that it can name them when the database goes down."""
    from knowledge.db import database_url
    # Every mapped class is defined before the worker's first query configures the mappers:
    # otherwise it can run while the action server is still importing knowledge.tickets,
    # and a half-defined Ticket breaks every query of this process until it restarts.
    from knowledge import feedback, models, tickets  # noqa: F401

    url = make_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        return  # no knowledge base here yet: nothing to remember, and nothing to create
    _refresh_in_background_if_due(wait=False)


def desk_line(city_id: Optional[str], language: str) -> Optional[str]:
    desk = _desks.get(city_id) if city_id else None
    if not desk:
        return None
    names = desk["names"]
    shown_in = language_to_show(language, desk["local"], names)
    if shown_in is None:
        return None
    name = names[shown_in]
    contact = f"{name}, {desk['contact']}" if desk["contact"] else name
    return text("info_desk", language, city=load_taxonomy().cities[city_id].name, contact=contact)


def unavailable_text(language: str, city_id: Optional[str] = None) -> str:
    """The short fault reply, in the user's language; never touches a database."""
    _refresh_in_background_if_due()
    line = desk_line(city_id, language)
    message = text("temporarily_unavailable", language)
    return f"{message}\n{line}" if line else message
