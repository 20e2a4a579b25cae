"""Import and export of the knowledge base: all-or-nothing, audited, lossless round trip."""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import csv_entries, xlsx_entries
from knowledge.changes import entry_as_dict, json_default, save_into
from knowledge.document import CityRecord, KbDocument, KbDocumentError, parse_document
from knowledge.models import IMPORTED, City, Entry, EntryText
from knowledge.taxonomy import load_taxonomy
from knowledge.translation_drafts import add_drafts

EXPORT_FORMAT = "inclubot-kb/1"
DEMO_DIR = Path(__file__).with_name("cities")


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
    Problems that only the database reveals are all reported, with their lines, before
    anything is written.
    """
    _check_against_database(session, document)
    summary = ImportSummary()
    for record in document.cities:
        _upsert_city(session, record)
        summary.cities.append(record.id)
    session.flush()
    existing = _load_entries(session, [record.id for record in document.entries])
    for record in document.entries:
        saved = save_into(session, existing.get(record.id), record, actor, "import-create", "import-update", IMPORTED)
        if saved.created:
            summary.created.append(record.id)
        elif saved.changed:
            summary.updated[record.id] = saved.changed
        else:
            summary.unchanged += 1
    return summary


def _load_entries(session: Session, ids: List[str], batch: int = 500) -> Dict[str, Entry]:
    """The entries with these ids, with their texts, in a few queries instead of one each."""
    found: Dict[str, Entry] = {}
    for start in range(0, len(ids), batch):
        rows = session.execute(select(Entry).where(Entry.id.in_(ids[start:start + batch]))).scalars()
        found.update((entry.id, entry) for entry in rows)
    return found


def read_document(data: bytes, filename: str, file_format: str = "auto") -> KbDocument:
    """Parse and validate a file: CSV or XLSX (a spreadsheet of entries), or YAML/JSON."""
    if _is_format(filename, file_format, "xlsx"):
        return xlsx_entries.read_xlsx(data, filename)
    if _is_format(filename, file_format, "csv"):
        return csv_entries.read_csv(data, filename)
    return parse_document(data, filename)  # JSON is YAML


def _is_format(filename: str, file_format: str, wanted: str) -> bool:
    return file_format == wanted or (file_format == "auto" and filename.lower().endswith("." + wanted))


def _is_spreadsheet(filename: str, file_format: str) -> bool:
    """A spreadsheet (CSV or XLSX): entries only, their cities must be set up already."""
    return _is_format(filename, file_format, "csv") or _is_format(filename, file_format, "xlsx")


@dataclass
class ImportOutcome:
    result: object = None  # what the loader returned (an ImportSummary for import_file)
    errors: List[str] = field(default_factory=list)  # nothing was written when there are some


def import_all_or_nothing(session: Session, load, data: bytes, name: str, actor: str, dry_run: bool) -> ImportOutcome:
    """Runs `load(session, data, name, actor)` (import_file, import_xliff) in the session's
    transaction: committed when it succeeds, rolled back on a dry run or on any problem.
    The one runner of the command line (`kb import`, `kb xliff-import`) and of the admin."""
    try:
        result = load(session, data, name, actor)
    except KbDocumentError as error:
        session.rollback()
        return ImportOutcome(errors=list(error.errors))
    except ValueError as error:
        session.rollback()
        return ImportOutcome(errors=[str(error)])
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return ImportOutcome(result=result)


def import_file(session: Session, data: bytes, filename: str, actor: str, file_format: str = "auto") -> ImportSummary:
    try:
        document = read_document(data, filename, file_format)
    except KbDocumentError as error:
        # Report the database's objections to the valid rows now too, not after a second try
        # (cities only for a spreadsheet: a YAML file's own city may be what was invalid).
        found, valid = list(error.errors), error.valid_part
        if valid is not None:
            found += _database_problems(session, valid, check_cities=_is_spreadsheet(filename, file_format))
        raise KbDocumentError(sorted(found, key=_line_number)) from None
    return import_document(session, document, actor)


def _line_number(error: str) -> int:
    match = re.match(r"^.*?:(\d+): ", error)
    return int(match.group(1)) if match else 0


def _check_against_database(session: Session, document: KbDocument) -> None:
    errors = _database_problems(session, document)
    if errors:
        raise KbDocumentError(errors)


def _database_problems(session: Session, document: KbDocument, check_cities: bool = True) -> List[str]:
    errors = []
    cities_in_document = {c.id for c in document.cities}
    cities_in_database = set(session.execute(select(City.id)).scalars())
    existing = dict(session.execute(select(Entry.id, Entry.city_id)).all())
    for record in document.entries:
        where = record.origin or "<input>"
        if record.id in existing and existing[record.id] != record.city:
            errors.append(
                f"{where}: entry {record.id}: this id belongs to an entry of {existing[record.id]}, "
                f"not {record.city} (entries cannot move between cities: give it a new id)"
            )
        for language in sorted(set(record.text_status) - _languages_with_text(session, record)):
            errors.append(f"{where}: entry {record.id}: text_status.{language}: the entry has no text in {language!r}")
        if check_cities and record.city not in cities_in_document and record.city not in cities_in_database:
            errors.append(
                f"{where}: entry {record.id}: city {record.city} is not set up in this database yet "
                f"(import its city file first, e.g. knowledge/cities/{record.city}.yml)"
            )
    return errors


def _languages_with_text(session: Session, record) -> set:
    """The languages the entry will have a text in once the record is applied: the record's,
    and, for a spreadsheet without that language's columns, those it has already."""
    languages = set(record.name) | set(record.description)
    if record.only is not None:
        kept = select(EntryText.language).where(EntryText.entry_id == record.id)
        languages |= {code for code in session.execute(kept).scalars() if f"name.{code}" not in record.only}
    return languages


def load_demo(session: Session, actor: str = "demo-loader") -> ImportSummary:
    """Load every city file of knowledge/cities/ with its draft translations from
    knowledge/translations/ (validated first, all or nothing)."""
    documents = [add_drafts(parse_document(p.read_bytes(), str(p))) for p in sorted(DEMO_DIR.glob("*.yml"))]
    total = ImportSummary()
    for document in documents:
        part = import_document(session, document, actor)
        total.created += part.created
        total.updated.update(part.updated)
        total.unchanged += part.unchanged
        total.cities += part.cities
    return total


def export_all(session: Session, city: Optional[str] = None, category: Optional[str] = None) -> dict:
    """Every city and entry (or one city's, or one category's), in a stable order."""
    cities = select(City).order_by(City.id)
    entries = select(Entry).order_by(Entry.city_id, Entry.category, Entry.id)
    if city is not None:
        cities, entries = cities.where(City.id == city), entries.where(Entry.city_id == city)
    if category is not None:
        entries = entries.where(Entry.category == category)
    cities, entries = session.execute(cities).scalars().all(), session.execute(entries).scalars().all()
    return {
        "format": EXPORT_FORMAT,
        "cities": [
            {"id": c.id, "timezone": c.timezone, "human_contact": c.human_contact_entry_id}
            for c in cities
        ],
        "entries": [entry_as_dict(e) for e in entries],
    }


def export_json(session: Session, city: Optional[str] = None) -> str:
    return json.dumps(export_all(session, city), ensure_ascii=False, indent=2, default=json_default)


def export_yaml(session: Session, city: Optional[str] = None) -> str:
    return yaml.safe_dump(json.loads(export_json(session, city)), allow_unicode=True, sort_keys=False)


def export_csv(session: Session, city: Optional[str] = None) -> str:
    """The entries as a spreadsheet (city settings are not part of it)."""
    return csv_entries.write_csv(export_all(session, city)["entries"])


def export_text(session: Session, file_format: str, city: Optional[str] = None) -> str:
    return {"json": export_json, "yaml": export_yaml, "csv": export_csv}[file_format](session, city)


EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_file(session: Session, file_format: str, city: Optional[str] = None, category: Optional[str] = None) -> bytes:
    """A city's (or a category's) entries as a file to download: CSV (UTF-8 with the BOM
    spreadsheet programs need), XLSX or JSON."""
    data = export_all(session, city, category)
    if file_format == "xlsx":
        return xlsx_entries.write_xlsx(data["entries"])
    if file_format == "csv":
        return csv_entries.write_csv(data["entries"]).encode("utf-8-sig")
    return json.dumps(data, ensure_ascii=False, indent=2, default=json_default).encode("utf-8")


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
