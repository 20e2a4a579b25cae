"""Changes to entries, each applied in the caller's transaction together with its audit row.

The import and the staff admin both change entries through here, so every change leaves
the same trace in the audit log: who, when, what (the changed fields with their new values).
"""
import json
from dataclasses import dataclass, field, replace
from datetime import date
from typing import List, Optional

from sqlalchemy.orm import Session

from knowledge.document import EntryRecord, TextStatus
from knowledge.models import IMPORTED, STAFF, AuditLog, Entry, EntryText, utcnow

ENTRY_COLUMNS = (
    "category", "address", "latitude", "longitude", "phone", "email", "website",
    "opening_hours", "languages_spoken", "source", "verified_on", "active", "priority",
    "crisis_line",
)


@dataclass
class Saved:
    created: bool
    changed: List[str] = field(default_factory=list)  # fields an update changed


def entry_as_dict(entry: Entry) -> dict:
    """An entry as plain data: the export's shape, and what audit rows compare."""
    texts = sorted(entry.texts, key=lambda t: t.language)
    data = {"id": entry.id, "city": entry.city_id}
    for column in ENTRY_COLUMNS:
        data[column] = getattr(entry, column)
    data["languages_spoken"] = list(entry.languages_spoken or [])
    data["name"] = {t.language: t.name for t in texts}
    data["description"] = {t.language: t.description for t in texts if t.description}
    data["text_status"] = {t.language: text_status_as_dict(entry, t) for t in texts}
    return data


def text_status_as_dict(entry: Entry, text: EntryText) -> dict:
    return {
        "status": text.status,
        "translated_from": text.translated_from,
        "source_fingerprint": text.source_fingerprint,
        "reviewed_by": text.reviewed_by,
        "reviewed_on": text.reviewed_on,
        "outdated": entry.is_outdated(text),  # for the reader of the export; recomputed on import
    }


def save_entry(
    session: Session, record: EntryRecord, actor: str,
    create_action: str = "create", update_action: str = "update", text_status: str = STAFF,
) -> Saved:
    """Create or update the entry of a validated record; audited when something changed.

    A text the record changes without stating its status gets `text_status`: staff for
    the admin, imported for a file."""
    return save_into(session, session.get(Entry, record.id), record, actor, create_action, update_action, text_status)


def save_into(
    session: Session, entry: Optional[Entry], record: EntryRecord, actor: str,
    create_action: str = "create", update_action: str = "update", text_status: str = STAFF,
) -> Saved:
    """save_entry for a caller that has loaded the entry already (None: there is none)."""
    if entry is not None and entry.city_id != record.city:
        raise ValueError(f"entry {record.id} belongs to {entry.city_id}, not {record.city}")
    before = entry_as_dict(entry) if entry is not None else None
    if entry is None:
        entry = Entry(id=record.id, city_id=record.city)
        session.add(entry)
    elif record.only is not None:
        record = _completed(record, entry)
    apply_record(entry, record, text_status)
    after = entry_as_dict(entry)
    if before is None:
        write_audit(session, actor, create_action, entry, after)
        return Saved(created=True)
    changed = sorted(key for key in after if before.get(key) != after.get(key))
    if changed:
        entry.updated_at = utcnow()  # text-only changes do not touch the entries row
        write_audit(session, actor, update_action, entry, {key: after[key] for key in changed})
    return Saved(created=False, changed=changed)


def set_active(session: Session, entry: Entry, active: bool, actor: str) -> bool:
    """Archive (active=False) or restore an entry; archived entries stay for the record."""
    if entry.active == active:
        return False
    entry.active = active
    write_audit(session, actor, "restore" if active else "archive", entry, {"active": active})
    return True


def mark_verified(session: Session, entry: Entry, actor: str, on: date) -> bool:
    """Staff checked the entry against reality on that day."""
    if entry.verified_on == on:
        return False
    entry.verified_on = on
    write_audit(session, actor, "verify", entry, {"verified_on": on})
    return True


def mark_translation_reviewed(session: Session, entry: Entry, language: str, actor: str, on: date) -> bool:
    """Staff checked a translation against its source as it is now: no longer a draft, no
    longer outdated. False when there is nothing to review (no such text, or an original)."""
    text = entry.texts_by_language().get(language)
    if text is None or not text.is_unreviewed_translation():
        return False
    source = entry.texts_by_language().get(text.translated_from)
    if source is None:
        return False  # nothing to check it against: staff rewrite it instead
    text.status, text.source_fingerprint = STAFF, source.fingerprint()
    text.reviewed_by, text.reviewed_on, text.updated_at = actor, on, utcnow()
    write_audit(session, actor, "review-translation", entry, {"text_status": {language: {
        "status": STAFF, "translated_from": text.translated_from, "reviewed_by": actor, "reviewed_on": on,
    }}})
    return True


def save_translation(
    session: Session, entry: Entry, language: str, name: str, description: str, source: str, actor: str,
) -> bool:
    """A translator's text of `source` as it is now (from an XLIFF file staff import): status
    imported, not outdated; audited. False when it is exactly what the entry has."""
    texts = entry.texts_by_language()
    text = texts.get(language)
    fingerprint = texts[source].fingerprint()
    if text is not None and (text.name, text.description, text.status, text.translated_from, text.source_fingerprint) == (
        name, description, IMPORTED, source, fingerprint,
    ):
        return False
    if text is None:
        text = EntryText(language=language)
        entry.texts.append(text)
    text.name, text.description, text.status = name, description, IMPORTED
    text.translated_from, text.source_fingerprint = source, fingerprint
    text.reviewed_by = text.reviewed_on = None
    text.updated_at = entry.updated_at = utcnow()
    write_audit(session, actor, "import-translation", entry, {
        "name": {language: name}, "description": {language: description},
        "text_status": {language: {"status": IMPORTED, "translated_from": source}},
    })
    return True


def _completed(record: EntryRecord, entry: Entry) -> EntryRecord:
    """The record with what its file does not set taken from the entry as it is."""
    given = record.only
    columns = {c: getattr(record if c in given else entry, c) for c in ENTRY_COLUMNS}
    texts = entry.texts_by_language()
    name, description = {}, {}
    for language in sorted(set(texts) | set(record.name) | set(record.description)):
        current = texts.get(language)
        new_name = record.name.get(language) if f"name.{language}" in given else (current.name if current else None)
        new_description = (
            record.description.get(language) if f"description.{language}" in given
            else (current.description if current else None)
        )
        if new_name:
            name[language] = new_name
        if new_description:
            description[language] = new_description
    text_status = {code: status for code, status in record.text_status.items() if f"text_status.{code}" in given}
    return replace(record, **columns, name=name, description=description, text_status=text_status, only=None)


def apply_record(entry: Entry, record: EntryRecord, unstated_status: str = STAFF) -> None:
    for column in ENTRY_COLUMNS:
        setattr(entry, column, getattr(record, column))
    existing = entry.texts_by_language()
    changed = set()
    for language in set(record.name) | set(record.description):
        text = existing.get(language)
        if text is None:
            text = EntryText(language=language, status=unstated_status)
            entry.texts.append(text)
        name = record.name.get(language) or record.name.get("en") or next(iter(record.name.values()))
        description = record.description.get(language, "")
        if (text.name, text.description) != (name, description):
            text.name, text.description = name, description
            changed.add(language)
    for language, text in existing.items():
        if language not in record.name and language not in record.description:
            entry.texts.remove(text)
    # Statuses once every text is in place: a fingerprint is of the source as it is now.
    for text in entry.texts:
        stated = record.text_status.get(text.language)
        if stated is not None:
            changed |= {text.language} if _set_status(text, stated) else set()
        elif text.language in changed:
            _changed_without_status(entry, text, unstated_status)
        if text.language in changed:
            text.updated_at = utcnow()


def _set_status(text: EntryText, stated: TextStatus) -> bool:
    """The status a file states for a text; True when it differs from what the text had."""
    before = (text.status, text.translated_from, text.source_fingerprint, text.reviewed_by, text.reviewed_on)
    text.status, text.translated_from = stated.status, stated.translated_from
    text.source_fingerprint, text.reviewed_by, text.reviewed_on = stated.source_fingerprint, stated.reviewed_by, stated.reviewed_on
    return before != (text.status, text.translated_from, text.source_fingerprint, text.reviewed_by, text.reviewed_on)


def _changed_without_status(entry: Entry, text: EntryText, status: str) -> None:
    """A text rewritten by staff or by a file that says nothing of its status: it is theirs
    now. A translation stays one, made from its source as it is now (so a later change of
    the source flags it); a review of the old wording no longer holds."""
    text.status = status
    source = entry.texts_by_language().get(text.translated_from) if text.translated_from else None
    text.source_fingerprint = source.fingerprint() if source is not None else None
    if source is None:
        text.translated_from = None
    text.reviewed_by = text.reviewed_on = None


def write_audit(session: Session, actor: str, action: str, entry: Optional[Entry], changes: dict, city_id: str = None) -> None:
    session.add(
        AuditLog(
            actor=actor, action=action,
            entry_id=entry.id if entry is not None else None,
            city_id=entry.city_id if entry is not None else city_id,
            changes=json.loads(json.dumps(changes, default=json_default)),
        )
    )


def json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
