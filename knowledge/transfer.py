"""Import and export of the knowledge base: all-or-nothing, audited, lossless round trip."""
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Dict, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.document import CityRecord, EntryRecord, KbDocument, parse_document
from knowledge.models import AuditLog, City, Entry, EntryText
from knowledge.taxonomy import load_taxonomy

EXPORT_FORMAT = "inclubot-kb/1"
DEMO_DIR = Path(__file__).with_name("cities")

ENTRY_COLUMNS = (
    "category", "address", "latitude", "longitude", "phone", "email", "website",
    "opening_hours", "languages_spoken", "source", "verified_on", "active", "priority",
)


@dataclass
class ImportSummary:
    created: List[str] = field(default_factory=list)
    updated: Dict[str, List[str]] = field(default_factory=dict)  # entry id -> changed fields
    unchanged: int = 0
    cities: List[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"cities: {', '.join(self.cities) or '-'}",
            f"created {len(self.created)}, updated {len(self.updated)}, unchanged {self.unchanged}",
        ]
        lines += [f"  + {entry_id}" for entry_id in self.created]
        lines += [f"  ~ {entry_id}: {', '.join(fields)}" for entry_id, fields in self.updated.items()]
        return "\n".join(lines)


def import_document(session: Session, document: KbDocument, actor: str) -> ImportSummary:
    """Upsert the document's cities and entries in the caller's transaction, with audit rows.

    Entries of the database that the document does not mention are left as they are.
    """
    summary = ImportSummary()
    for record in document.cities:
        _upsert_city(session, record)
        summary.cities.append(record.id)
    session.flush()
    for record in document.entries:
        entry = session.get(Entry, record.id)
        if entry is not None and entry.city_id != record.city:
            raise ValueError(f"entry {record.id} belongs to {entry.city_id}, not {record.city}")
        before = entry_as_dict(entry) if entry is not None else None
        if entry is None:
            entry = Entry(id=record.id, city_id=record.city)
            session.add(entry)
        _apply_entry(entry, record)
        session.flush()
        after = entry_as_dict(entry)
        if before is None:
            summary.created.append(record.id)
            _audit(session, actor, "import-create", entry, after)
        elif before != after:
            changed = sorted(k for k in after if before.get(k) != after.get(k))
            summary.updated[record.id] = changed
            _audit(session, actor, "import-update", entry, {k: after[k] for k in changed})
        else:
            summary.unchanged += 1
    return summary


def import_file(session: Session, data: bytes, filename: str, actor: str) -> ImportSummary:
    return import_document(session, parse_document(data, filename), actor)


def load_demo(session: Session, actor: str = "demo-loader") -> ImportSummary:
    """Load every city file of knowledge/cities/ (validated first, all or nothing)."""
    documents = [parse_document(p.read_bytes(), str(p)) for p in sorted(DEMO_DIR.glob("*.yml"))]
    total = ImportSummary()
    for document in documents:
        part = import_document(session, document, actor)
        total.created += part.created
        total.updated.update(part.updated)
        total.unchanged += part.unchanged
        total.cities += part.cities
    return total


def export_all(session: Session) -> dict:
    cities = session.execute(select(City).order_by(City.id)).scalars().all()
    entries = session.execute(select(Entry).order_by(Entry.city_id, Entry.category, Entry.id)).scalars().all()
    return {
        "format": EXPORT_FORMAT,
        "cities": [
            {"id": c.id, "timezone": c.timezone, "human_contact": c.human_contact_entry_id}
            for c in cities
        ],
        "entries": [entry_as_dict(e) for e in entries],
    }


def export_json(session: Session) -> str:
    return json.dumps(export_all(session), ensure_ascii=False, indent=2, default=_json_default)


def entry_as_dict(entry: Entry) -> dict:
    texts = sorted(entry.texts, key=lambda t: t.language)
    data = {"id": entry.id, "city": entry.city_id}
    for column in ENTRY_COLUMNS:
        data[column] = getattr(entry, column)
    data["languages_spoken"] = list(entry.languages_spoken or [])
    data["name"] = {t.language: t.name for t in texts}
    data["description"] = {t.language: t.description for t in texts if t.description}
    return data


def _upsert_city(session: Session, record: CityRecord) -> None:
    known = load_taxonomy().cities[record.id]
    city = session.get(City, record.id) or City(id=record.id)
    city.name = known.name
    city.country = known.country
    city.local_languages = list(known.local_languages)
    city.timezone = record.timezone
    if record.human_contact is not None:
        city.human_contact_entry_id = record.human_contact
    session.add(city)


def _apply_entry(entry: Entry, record: EntryRecord) -> None:
    for column in ENTRY_COLUMNS:
        setattr(entry, column, getattr(record, column))
    existing = entry.texts_by_language()
    for language in set(record.name) | set(record.description):
        text = existing.get(language)
        if text is None:
            text = EntryText(language=language)
            entry.texts.append(text)
        text.name = record.name.get(language) or record.name.get("en") or next(iter(record.name.values()))
        text.description = record.description.get(language, "")
    for language, text in existing.items():
        if language not in record.name and language not in record.description:
            entry.texts.remove(text)


def _audit(session: Session, actor: str, action: str, entry: Entry, changes: dict) -> None:
    session.add(
        AuditLog(
            actor=actor, action=action, entry_id=entry.id, city_id=entry.city_id,
            changes=json.loads(json.dumps(changes, default=_json_default)),
        )
    )


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
