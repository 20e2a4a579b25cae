"""The audit log read as a history: for each row, what it changed, "field: old → new".

An update row stores the new values of the fields it changed; the old ones are in the
entry's earlier rows (its creation stores everything). So the entry's rows are replayed in
order: the state before a row is what the rows before it made.
"""
from typing import Dict, Iterable, List

from flask import g
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.admin.change_list import FieldChange, field_changes
from knowledge.models import AuditLog, City

CREATIONS = ("create", "import-create")
# Rows that state only part of a per-language value (one language's text or status).
PARTIAL = ("import-translation", "review-translation")


def readable_changes(session: Session, rows: Iterable[AuditLog]) -> Dict[int, List[FieldChange]]:
    """{row id: its field changes} for these rows (those about an entry)."""
    rows = list(rows)
    wanted = {row.id for row in rows if row.entry_id}
    entries = {row.entry_id for row in rows if row.entry_id}
    if not entries:
        return {}
    last = max(wanted)
    history = session.execute(
        select(AuditLog).where(AuditLog.entry_id.in_(entries), AuditLog.id <= last).order_by(AuditLog.id)
    ).scalars()
    states: Dict[str, dict] = {}
    found: Dict[int, List[FieldChange]] = {}
    for row in history:
        changes = row.changes if isinstance(row.changes, dict) else {}
        before = states.get(row.entry_id, {}) if row.action not in CREATIONS else {}
        after = _applied(before, changes, partial=row.action in PARTIAL)
        states[row.entry_id] = after
        if row.id in wanted:
            keys = set(changes)
            found[row.id] = field_changes({k: v for k, v in before.items() if k in keys}, {k: v for k, v in after.items() if k in keys})
    return found


def _applied(state: dict, changes: dict, partial: bool) -> dict:
    new = dict(state)
    for key, value in changes.items():
        if partial and isinstance(value, dict) and isinstance(state.get(key), dict):
            merged = dict(state[key])
            for code, item in value.items():
                old = merged.get(code)
                merged[code] = {**old, **item} if isinstance(old, dict) and isinstance(item, dict) else item
            new[key] = merged
        else:
            new[key] = value
    return new


def city_timezones(session: Session) -> Dict[str, str]:
    """Each city's time zone (once per request)."""
    if "city_timezones" not in g:
        g.city_timezones = dict(session.execute(select(City.id, City.timezone)).all())
    return g.city_timezones
