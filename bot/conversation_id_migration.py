"""Conversations stored before channel namespaces (bot/conversation_ids.py) moved under them.

They were stored under a keyed hash of the bare channel id, shared by every channel (a REST
sender "123456789" reached Telegram chat 123456789). The hash cannot be undone, and need not
be: a conversation is now stored as `<namespace>:<hash of the channel's id>`, so the old
hash gets the namespace of the channel that wrote it, read from its user events'
`input_channel`. A conversation two channels wrote to is split between them, each event
going with the user message it follows. One without any channel's message is left as it is:
no channel reaches it, and the retention period deletes it.

Run by `inclubot db upgrade`; running it again changes nothing.
"""
import json
from typing import Dict, List, Optional

import sqlalchemy as sa

from bot.conversation_db import EVENTS_TABLE, prepared_url, tracker_store_url
from bot.conversation_ids import NAMESPACE_OF_CHANNEL

_events = sa.table(
    EVENTS_TABLE, sa.column("id"), sa.column("sender_id"), sa.column("type_name"), sa.column("data"),
)


def namespace_stored_conversations(url: str = None) -> int:
    """Moves every conversation stored without a namespace under its channel's; returns how
    many events moved."""
    engine = sa.create_engine(prepared_url(url or tracker_store_url()), future=True, hide_parameters=True)
    try:
        if not sa.inspect(engine).has_table(EVENTS_TABLE):
            return 0
        moved = 0
        with engine.begin() as connection:
            old_ids = connection.execute(
                sa.select(_events.c.sender_id).distinct().where(~_events.c.sender_id.contains(":"))
            ).scalars().all()
            for old_id in old_ids:
                rows = connection.execute(
                    sa.select(_events.c.id, _events.c.type_name, _events.c.data)
                    .where(_events.c.sender_id == old_id).order_by(_events.c.id)
                ).all()
                namespaces = _namespace_of_each(rows)
                changes = [
                    {"event_id": row.id, "new_id": f"{namespace}:{old_id}"}
                    for row, namespace in zip(rows, namespaces) if namespace
                ]
                if changes:
                    connection.execute(
                        sa.update(_events).where(_events.c.id == sa.bindparam("event_id"))
                        .values(sender_id=sa.bindparam("new_id")),
                        changes,
                    )
                    moved += len(changes)
        return moved
    finally:
        engine.dispose()


def _namespace_of_each(rows) -> List[Optional[str]]:
    """Each event's namespace: that of the latest user message at or before it (events
    before the first user message go with that message)."""
    channels = [_channel_of(row) if row.type_name == "user" else None for row in rows]
    first = next((channel for channel in channels if channel), None)
    current, namespaces = first, []
    for channel in channels:
        current = channel or current
        namespaces.append(current)
    return namespaces


def _channel_of(row) -> Optional[str]:
    try:
        data: Dict = json.loads(row.data)
    except (TypeError, ValueError):
        return None
    return NAMESPACE_OF_CHANNEL.get(data.get("input_channel")) if isinstance(data, dict) else None
