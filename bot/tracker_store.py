"""Rasa's SQL tracker store, with personal data removed before anything is written.

Every event is scrubbed (bot/scrubbing.py) on its way to the database: the text of user and
bot messages, the text and entity values Rasa keeps in `parse_data`, slot values. Channel
metadata is cut down to the keys the assistant understands (city, language): a channel may
pass a Telegram user's name there. Distances to services (from a shared location) are left
out of bot messages (bot/distances.py). The conversation id is stored as its channel's
namespace and a keyed hash, so the table does not hold Telegram chat ids either.

What the bot needs on the next message survives: intents, entities that are not personal
(city and language ids), slots, actions. The message being answered is never scrubbed: Rasa
and the actions work on the tracker in memory; only what is persisted is.

Configured by INCLUBOT_TRACKER_STORE_URL (any SQLAlchemy URL; SQLite under var/ by default)
and INCLUBOT_CONVERSATION_KEY (the hash key, shared by every Rasa process; a key file under
var/ by default). endpoints.yml names this class.
"""
import itertools
import json
import logging
from typing import Any, Dict, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_internals
from bot.conversation_db import conversation_key, prepared_url, pseudonym, tracker_store_url
from bot.distances import without_distances
from bot.scrubbing import scrub
from knowledge.db import connect_timeout_options, sqlite_pool_options, sqlite_pragmas

logger = logging.getLogger(__name__)

# Set on a tracker read from (or saved to) the store: how many of its events are stored.
STORED_EVENTS_ATTRIBUTE = "_inclubot_stored_events"
# Channel metadata that is kept: what the assistant itself reads.
KEPT_METADATA = ("city", "language", "language_hint")
# Keys whose values are names the bot itself defines (events, intents, actions, ids),
# never user text; everything else that is a string is scrubbed.
STRUCTURAL_KEYS = frozenset({
    "event", "name", "policy", "input_channel", "message_id", "timestamp", "intent_ranking",
    "intent", "extractor", "entity", "role", "group", "processors", "code", "utter_action",
    "template_name", "action_name", "type_name", "confidence", "start", "end", "model_id",
    "assistant_id",
})


def scrubbed_event(data: Dict[str, Any]) -> Dict[str, Any]:
    """An event as stored: the same event, without personal data."""
    data = _scrub_values(data)
    if data.get("event") == "bot" and isinstance(data.get("text"), str):
        data["text"] = without_distances(data["text"])
    if data.get("event") == "bot":
        custom = (data.get("data") or {}).get("custom") if isinstance(data.get("data"), dict) else None
        card = custom.get("card") if isinstance(custom, dict) else None
        if isinstance(card, dict):
            card.pop("distance", None)  # an answer card's copy of the distance line (replies/cards.py)
    if "metadata" in data and data.get("event") == "user":
        data["metadata"] = _kept_metadata(data["metadata"])
    if data.get("event") == "slot" and data.get("name") == SESSION_START_METADATA_SLOT:
        data["value"] = _kept_metadata(data.get("value"))
    parse_data = data.get("parse_data")
    if isinstance(parse_data, dict) and "metadata" in parse_data:
        parse_data["metadata"] = _kept_metadata(parse_data["metadata"])
    return data


def _kept_metadata(metadata: Any) -> Dict[str, str]:
    if not isinstance(metadata, dict):
        return {}
    return {
        key: scrub(value)[:64] for key, value in metadata.items()
        if key in KEPT_METADATA and isinstance(value, str)
    }


def _scrub_values(value: Any, key: Optional[str] = None) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_values(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_values(item, key) for item in value]
    if isinstance(value, str) and key not in STRUCTURAL_KEYS:
        return scrub(value)
    return value


def latest_session_data_query(events: sa.Table) -> sa.sql.Select:
    """The data of a conversation's events since its latest session start, in order: Rasa's
    own query (SQLTrackerStore._event_query), built once. Rasa builds it anew for every
    message, and SQLAlchemy then spends longer on its cache key than on running it."""
    sender = sa.bindparam("sender")
    session_start = (
        sa.select(sa.func.max(events.c.timestamp))
        .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    return (
        sa.select(events.c.data)
        .where(events.c.sender_id == sender, sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
        .order_by(events.c.id)
    )


class ScrubbingTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that writes scrubbed events under a pseudonymous conversation id."""

    def __init__(self, domain=None, host: Optional[Text] = None, event_broker=None, **kwargs: Any) -> None:
        try:
            url = prepared_url(host or tracker_store_url())
            self._key = conversation_key()
            super().__init__(domain=domain, host=url, event_broker=None, **kwargs)
            # Rasa's engine, remade: pool_pre_ping so a restarted database does not leave
            # dead connections behind; hide_parameters so a failed insert does not write the
            # (scrubbed) message into the error log.
            self.engine.dispose()
            options = {**create_engine_kwargs(url), **sqlite_pool_options(url)}
            # Rasa's connect_args (a schema) kept, a connect timeout added.
            options["connect_args"] = {**options.get("connect_args", {}), **connect_timeout_options(url).get("connect_args", {})}
            self.engine = sa.create_engine(url, pool_pre_ping=True, hide_parameters=True, **options)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            self._latest_session_data = latest_session_data_query(self.SQLEvent.__table__)
        except (AttributeError, ImportError) as error:
            # Rasa would silently fall back to keeping conversations in one process's memory.
            raise RuntimeError(f"the tracker store could not be set up: {error}") from error
        # Scrubbed saving stays whatever Rasa's code is (it must); retrieval falls back to Rasa's.
        rasa_internals.unchanged("rasa.core.tracker_store:SQLTrackerStore.__init__",
                                 "rasa.core.tracker_store:SQLTrackerStore.save", purpose="the tracker store's engine and saving")
        self._own_retrieval = rasa_internals.unchanged(
            "rasa.core.tracker_store:SQLTrackerStore._event_query", "rasa.core.tracker_store:SQLTrackerStore._retrieve",
            purpose="the tracker store's faster retrieval",
        )
        logger.info("tracker store: %s (events are scrubbed before they are stored)", self.engine.url.get_backend_name())

    def _event_query(self, session, sender_id: Text, fetch_events_from_all_sessions: bool):
        return super()._event_query(session, pseudonym(sender_id, self._key), fetch_events_from_all_sessions)

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's retrieval, reading only the events' data (not whole ORM rows), and noting on
        the tracker how many of its events are stored, so that `save` need not count them."""
        if not self._own_retrieval:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            if fetch_events_from_all_sessions:
                query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
                rows = query.with_entities(self.SQLEvent.data)
            else:
                rows = session.execute(self._latest_session_data, {"sender": pseudonym(sender_id, self._key)})
            events = [json.loads(data) for (data,) in rows]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED_EVENTS_ATTRIBUTE, len(events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events that are not stored yet, scrubbed.

        No event broker is fed: it would receive the events unscrubbed.
        """
        stored_id = pseudonym(tracker.sender_id, self._key)
        rows = []
        new_events = itertools.islice(tracker.events, self._stored_event_count(tracker), None)
        for event in new_events:
            data = scrubbed_event(event.as_dict())
            rows.append({
                "sender_id": stored_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get("name"),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            })
        if rows:
            with self.session_scope() as session:
                session.execute(sa.insert(self.SQLEvent.__table__), rows)
                session.commit()
        setattr(tracker, STORED_EVENTS_ATTRIBUTE, len(tracker.events))

    def _stored_event_count(self, tracker: DialogueStateTracker) -> int:
        """How many of the tracker's events are in the database already.

        A tracker read from this store knows (and, under the lock store's lock, nobody else
        has written to its conversation since); otherwise they are counted as Rasa does.
        """
        stored = getattr(tracker, STORED_EVENTS_ATTRIBUTE, None)
        if stored is None:
            with self.session_scope() as session:
                stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        return stored
