"""Knowledge-base documents (YAML or JSON): parsing and validation with line numbers.

A document is either one city file (knowledge/cities/FORMAT.md) or an export
(`inclubot kb export`): {"cities": [...], "entries": [...]}. Both become a
`KbDocument` once every error has been collected; nothing is written here.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from knowledge import opening_hours
from knowledge.models import TEXT_STATUSES
from knowledge.taxonomy import load_taxonomy

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Values (scalars, lists, mappings) in one YAML/JSON file: about 50 per entry, so ample for
# every city's entries, and a bound on the work one file can cause.
MAX_DOCUMENT_VALUES = 2_000_000

ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,118}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{1,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
FINGERPRINT = re.compile(r"^[0-9a-f]{8,64}$")
MAX_PRIORITY = 1_000_000  # well within the database's integer

ENTRY_FIELDS = {
    "id", "city", "category", "name", "description", "address", "latitude", "longitude",
    "phone", "email", "website", "opening_hours", "languages_spoken", "source",
    "verified_on", "active", "priority", "crisis_line", "text_status",
}
# Per language in text_status; "outdated" is what the export says, recomputed on import.
TEXT_STATUS_FIELDS = {"status", "translated_from", "source_fingerprint", "reviewed_by", "reviewed_on", "outdated"}
CITY_FIELDS = {"id", "city", "timezone", "human_contact"}


class KbDocumentError(ValueError):
    """Every problem found in a document, each as 'file:line: message'.

    `valid_part` holds what was valid, so that the import can report the problems only
    the database reveals (an id used in another city...) in the same go.
    """

    def __init__(self, errors: List[str], valid_part: Optional["KbDocument"] = None):
        self.errors = errors
        self.valid_part = valid_part
        super().__init__("\n".join(errors))


@dataclass
class CityRecord:
    id: str
    timezone: str
    human_contact: Optional[str] = None


@dataclass
class TextStatus:
    """Where one language's text of an entry comes from (see knowledge/models.py EntryText)."""

    status: str
    translated_from: Optional[str] = None
    source_fingerprint: Optional[str] = None
    reviewed_by: Optional[str] = None
    reviewed_on: Optional[date] = None


@dataclass
class EntryRecord:
    id: str
    city: str
    category: str
    name: Dict[str, str]
    description: Dict[str, str] = field(default_factory=dict)
    address: Optional[str] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    website: Optional[str] = None
    opening_hours: Optional[Dict[str, List[str]]] = None
    languages_spoken: List[str] = field(default_factory=list)
    source: Optional[str] = None
    verified_on: Optional[date] = None
    active: bool = True
    priority: int = 0
    # A suicide-prevention or crisis line (see knowledge/models.py).
    crisis_line: bool = False
    # {language: TextStatus} for the texts whose status the file states; a text without one
    # keeps its status, or, when the file changes it, gets the status of the change.
    text_status: Dict[str, TextStatus] = field(default_factory=dict)
    # Where the entry was read ("file:line"), to place errors found later against the database.
    origin: str = field(default="", compare=False, repr=False)
    # The fields the file sets ("phone", "name.fr", ...); None: all of them. A spreadsheet
    # without a column leaves that field of an existing entry as it is.
    only: Optional[frozenset] = field(default=None, compare=False, repr=False)


@dataclass
class KbDocument:
    cities: List[CityRecord]
    entries: List[EntryRecord]


# --- YAML with line numbers -------------------------------------------------------------

class _LineDict(dict):
    line = 0
    key_lines: Dict[str, int] = {}


MAX_NESTING = 50  # a knowledge-base file nests 5 levels; libyaml's composer recurses per level


class _LineLoader(yaml.CSafeLoader):
    """libyaml's safe loader (PyYAML's own spent 2.9 s of a 3.8 s import of the demo's 135
    entries) whose mappings remember the line of each key and refuse duplicates. Used only
    after `_refuse_what_would_blow_up`."""


def _refuse_what_would_blow_up(text: str, filename: str) -> None:
    """One pass over the parser's events, before anything is built.

    Anchors and aliases (&name, *name) are refused: nested aliases make a 500-byte file
    expand to billions of values (it hung `kb import`), and a knowledge-base file has no
    use for them. The number of values is bounded, so the work per file is; so is the
    nesting, which libyaml's composer would follow down the C stack."""
    values = depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                None, None, "anchors and aliases (&name, *name) are not accepted: write each value out",
                event.start_mark,
            )
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            values += 1
            if values > MAX_DOCUMENT_VALUES:
                raise yaml.MarkedYAMLError(
                    None, None, f"more than {MAX_DOCUMENT_VALUES:,} values: split the file", event.start_mark,
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise KbDocumentError([f"{filename}: nested too deeply to be a knowledge-base file"])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):  # "? [a, b]": a list or mapping as a key
            raise yaml.MarkedYAMLError(None, None, "a key must be a plain word, not a list or mapping", key_node.start_mark)
        key = key_node.value
        if key in seen:
            raise yaml.MarkedYAMLError(
                "while reading a mapping", node.start_mark,
                f"duplicate key {key!r}", key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = seen
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def mapping_at_line(values: Dict[str, Any], line: int) -> Dict[str, Any]:
    """A mapping whose every key is reported at one line (a row of a spreadsheet)."""
    mapping = _LineDict(values)
    mapping.line = line
    mapping.key_lines = {key: line for key in values}
    return mapping


def _line_of(mapping: Any, key: str = None) -> int:
    if isinstance(mapping, _LineDict):
        return mapping.key_lines.get(key, mapping.line) if key else mapping.line
    return 0


# --- parsing ------------------------------------------------------------------------------

def parse_document(data: bytes, filename: str = "<input>") -> KbDocument:
    """Parse and validate a document; raise KbDocumentError listing every problem."""
    text = decode_text(data, filename, "YAML or JSON")
    try:
        _refuse_what_would_blow_up(text, filename)
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a CSafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        raise KbDocumentError([f"{filename}:{line}: not valid YAML/JSON: {error.problem}"])
    except yaml.YAMLError as error:
        raise KbDocumentError([f"{filename}: not valid YAML/JSON: {error}"])
    return validate_document(raw, filename)


def decode_text(data: bytes, filename: str, kind: str) -> str:
    """The file's text, or a KbDocumentError saying why it is not a text file we can read."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise KbDocumentError([f"{filename}: file is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB"])
    if b"\x00" in data:
        raise KbDocumentError([f"{filename}: this is a binary file, not {kind} text"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise KbDocumentError([f"{filename}:{line}: not UTF-8 text (save the file as UTF-8)"])
    if not text.strip():
        raise KbDocumentError([f"{filename}: the file is empty"])
    return text


def validate_document(raw: Any, filename: str = "<input>") -> KbDocument:
    errors: List[str] = []

    def error(line: int, message: str) -> None:
        errors.append(f"{filename}:{line}: {message}")

    if not isinstance(raw, dict):
        raise KbDocumentError([f"{filename}:1: expected a mapping with 'city' and 'entries' (a city file) or 'cities' and 'entries' (an export)"])

    if "cities" in raw:  # an export: several cities, each entry names its city
        city_nodes = raw.get("cities")
        if not isinstance(city_nodes, list):
            error(_line_of(raw, "cities"), "'cities' must be a list")
            city_nodes = []
        city_fields, default_city = CITY_FIELDS, None
    else:  # one city file: its top level holds the city's fields
        city_nodes = [raw]
        city_fields, default_city = CITY_FIELDS | {"entries"}, raw.get("city")
    cities = [c for c in (_validate_city(node, city_fields, error) for node in city_nodes) if c]

    entry_nodes = raw.get("entries")
    if not isinstance(entry_nodes, list) or not entry_nodes:
        error(_line_of(raw, "entries") or 1, "'entries' must be a non-empty list")
        entry_nodes = []
    entries, seen_ids = _validate_entry_list(entry_nodes, default_city, filename, error)

    known_cities = {c.id for c in cities}
    for city in cities:
        if city.human_contact and city.human_contact not in seen_ids:
            errors.append(f"{filename}: city {city.id}: human_contact {city.human_contact!r} is not an entry in this file")
    for record in entries:
        if record.city not in known_cities and default_city is None:
            errors.append(f"{filename}:{seen_ids[record.id]}: entry {record.id}: city {record.city!r} is not listed under 'cities'")

    if errors:
        raise KbDocumentError(errors, KbDocument(cities=cities, entries=entries))
    return KbDocument(cities=cities, entries=entries)


def validate_entries(nodes: List[Any], filename: str = "<input>") -> KbDocument:
    """Validate entries alone (a spreadsheet has no city settings); cities must exist already."""
    errors: List[str] = []

    def error(line: int, message: str) -> None:
        errors.append(f"{filename}:{line}: {message}")

    if not nodes:
        error(1, "the file has no entries")
    entries, _ = _validate_entry_list(nodes, None, filename, error)
    if errors:
        raise KbDocumentError(errors, KbDocument(cities=[], entries=entries))
    return KbDocument(cities=[], entries=entries)


def check_entry(fields: Dict[str, Any]) -> Tuple[Optional[EntryRecord], List[Tuple[Optional[str], str]]]:
    """Validate one entry given as a mapping (the admin's form): (record, [(field, message)]).

    The same rules as for files, so an entry is valid in the admin exactly when it is in a file.
    """
    problems: List[Tuple[Optional[str], str]] = []
    record = _validate_entry(fields, None, lambda line, message: None, lambda key, message: problems.append((key, message)))
    return record, problems


def _validate_entry_list(nodes: List[Any], default_city: Optional[str], filename: str, error) -> Tuple[List[EntryRecord], Dict[str, int]]:
    entries: List[EntryRecord] = []
    seen_ids: Dict[str, int] = {}
    for node in nodes:
        record = _validate_entry(node, default_city, error)
        entry_id, line = node.get("id") if isinstance(node, dict) else None, _line_of(node, "id")
        if isinstance(entry_id, str):  # an invalid entry's id counts too: it is still taken
            if entry_id in seen_ids:
                error(line, f"entry id {entry_id!r} is used twice (first on line {seen_ids[entry_id]})")
                continue
            seen_ids[entry_id] = line
        if record is not None:
            record.origin = f"{filename}:{line}"
            entries.append(record)
    return entries, seen_ids


def _check_keys(node: Any, allowed: set, what: str, error) -> None:
    if isinstance(node, dict):
        for key in node:
            if key not in allowed:
                error(_line_of(node, key), f"unknown field {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")


def _validate_city(node: Any, allowed: set, error) -> Optional[CityRecord]:
    taxonomy = load_taxonomy()
    if not isinstance(node, dict):
        error(0, "each city must be a mapping with id and timezone")
        return None
    _check_keys(node, allowed, "city", error)
    city_id = node.get("id") or node.get("city")
    if not isinstance(city_id, str) or city_id not in taxonomy.cities:
        error(_line_of(node), f"unknown city {city_id!r}; known cities: {', '.join(taxonomy.cities)}")
        return None
    zone = node.get("timezone")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        error(_line_of(node, "timezone"), f"city {city_id}: unknown time zone {zone!r} (e.g. Europe/Brussels)")
        return None
    contact = node.get("human_contact")
    if contact is not None and not isinstance(contact, str):
        error(_line_of(node, "human_contact"), "human_contact must be an entry id")
        return None
    return CityRecord(id=city_id, timezone=str(zone), human_contact=contact)


def _validate_entry(
    node: Any, default_city: Optional[str], error,
    on_problem: Optional[Callable[[Optional[str], str], None]] = None,
) -> Optional[EntryRecord]:
    taxonomy = load_taxonomy()
    if not isinstance(node, dict):
        error(0, "each entry must be a mapping (id, category, name, ...)")
        return None
    found: List[str] = []

    def problem(key: Optional[str], message: str) -> None:
        found.append(message)
        error(_line_of(node, key), f"entry {node.get('id', '?')}: {message}")
        if on_problem is not None:
            on_problem(key, message)

    for key in node:
        if key not in ENTRY_FIELDS:
            problem(key, f"unknown field {key!r} (allowed: {', '.join(sorted(ENTRY_FIELDS))})")

    entry_id = node.get("id")
    if not isinstance(entry_id, str) or not ENTRY_ID.match(entry_id):
        problem("id", "id must be lowercase letters, digits and '-' (e.g. schaerbeek-cpas)")
    city = node.get("city", default_city)
    if default_city is not None and node.get("city") not in (None, default_city):
        problem("city", f"entry is in city {node.get('city')!r} but the file is for {default_city!r}")
    # isinstance first: a list or a mapping cannot even be looked up (it is unhashable)
    if not isinstance(city, str) or city not in taxonomy.cities:
        problem("city", f"unknown city {city!r}")
    category = node.get("category")
    if not isinstance(category, str) or category not in taxonomy.categories:
        problem("category", f"unknown category {category!r}; categories: {', '.join(taxonomy.categories)}")

    name = _texts(node, "name", problem, required=True)
    description = _texts(node, "description", problem, required=False)
    text_status = _text_status(node, problem)

    def optional_text(key: str, pattern: Optional[re.Pattern], hint: str, max_length: int = None) -> Optional[str]:
        value = node.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, (str, int)) or (pattern and not pattern.match(str(value).strip())):
            problem(key, f"{key} {value!r} is not valid: {hint}")
            return None
        if "\x00" in str(value):  # databases refuse it, and no one means it
            problem(key, f"{key} contains a NUL character")
            return None
        if max_length and len(str(value).strip()) > max_length:  # the database column's size
            problem(key, f"{key} is longer than {max_length} characters")
            return None
        return str(value).strip()

    address = optional_text("address", None, "text")
    phone = optional_text("phone", PHONE, "digits, spaces and an optional leading +, e.g. +32 2 123 45 67 or 112")
    email = optional_text("email", EMAIL, "like info@example.org", 254)
    website = optional_text("website", WEBSITE, "a full address starting with https://", 500)
    source = optional_text("source", None, "text")

    latitude, longitude = node.get("latitude"), node.get("longitude")
    if (latitude is None) != (longitude is None):
        problem("latitude", "give both latitude and longitude, or neither")
    for key, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        # "not within" rather than "beyond": NaN is within nothing.
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not -limit <= value <= limit):
            problem(key, f"{key} must be a number between -{limit} and {limit}")

    hours = node.get("opening_hours")
    for message in opening_hours.validate(hours):
        problem("opening_hours", message)

    spoken = node.get("languages_spoken") or []
    if not isinstance(spoken, list) or not all(isinstance(c, str) and LANGUAGE_CODE.match(c) for c in spoken):
        problem("languages_spoken", "languages_spoken must be a list of language codes like [fr, nl, ar]")

    verified = node.get("verified_on")
    if verified is not None:
        if isinstance(verified, str):
            try:
                verified = date.fromisoformat(verified)
            except ValueError:
                verified = "bad"
        if not isinstance(verified, date):
            problem("verified_on", "verified_on must be a date like 2026-03-31, or empty")
        elif verified > date.today():
            problem("verified_on", "verified_on is in the future")

    active = node.get("active", True)
    if not isinstance(active, bool):
        problem("active", "active must be true or false")
    priority = node.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > MAX_PRIORITY:
        problem("priority", f"priority must be a whole number between -{MAX_PRIORITY} and {MAX_PRIORITY}")
    crisis_line = node.get("crisis_line", False)
    if not isinstance(crisis_line, bool):
        problem("crisis_line", "crisis_line must be true or false")

    if found:
        return None
    return EntryRecord(
        id=entry_id, city=city, category=category, name=name, description=description,
        address=address, latitude=latitude, longitude=longitude, phone=phone, email=email,
        website=website, opening_hours=hours or None, languages_spoken=list(spoken),
        source=source, verified_on=verified, active=active, priority=priority,
        crisis_line=crisis_line, text_status=text_status,
    )


def _texts(node: dict, key: str, problem, required: bool) -> Dict[str, str]:
    """A {language: text} mapping, with language codes from the taxonomy."""
    value = node.get(key)
    if value is None:
        if required:
            problem(None, f"{key} is missing (give it at least in English: {key}: {{en: ...}})")
        return {}
    if not isinstance(value, dict):
        problem(key, f"{key} must map language codes to text, e.g. {key}: {{en: ..., fr: ...}}")
        return {}
    languages = load_taxonomy().languages
    texts = {}
    for language, text in value.items():
        if language not in languages:
            problem(key, f"{key}: unknown language {language!r}; languages: {', '.join(languages)}")
        elif text is None or str(text).strip() == "":
            continue
        elif not isinstance(text, str):
            problem(key, f"{key}.{language} must be text")
        elif "\x00" in text:
            problem(key, f"{key}.{language} contains a NUL character")
        else:
            texts[language] = text.strip()
    if required and not texts:
        problem(key, f"{key} needs a text in at least one language")
    return texts


def _text_status(node: dict, problem) -> Dict[str, TextStatus]:
    """text_status: {language: {status, translated_from, source_fingerprint, reviewed_by, reviewed_on}}.

    Whether the entry has a text in that language is checked on import (knowledge/transfer.py):
    a spreadsheet may mark a text reviewed without carrying the text itself."""
    value = node.get("text_status")
    if value is None:
        return {}
    if not isinstance(value, dict):
        problem("text_status", "text_status must map language codes to {status: ..., translated_from: ...}")
        return {}
    languages = load_taxonomy().languages
    found = {}
    for language, fields in value.items():
        where = f"text_status.{language}"
        if language not in languages:
            problem("text_status", f"{where}: unknown language {language!r}; languages: {', '.join(languages)}")
            continue
        if not isinstance(fields, dict):
            problem("text_status", f"{where} must be a mapping like {{status: draft, translated_from: en}}")
            continue
        unknown = sorted(set(fields) - TEXT_STATUS_FIELDS)
        if unknown:
            problem("text_status", f"{where}: unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(TEXT_STATUS_FIELDS))})")
        status, source = fields.get("status"), fields.get("translated_from")
        fingerprint, reviewer, reviewed_on = fields.get("source_fingerprint"), fields.get("reviewed_by"), fields.get("reviewed_on")
        if status not in TEXT_STATUSES:
            problem("text_status", f"{where}: status {status!r} is not one of {', '.join(TEXT_STATUSES)}")
        if source is not None and (not isinstance(source, str) or source not in languages or source == language):
            problem("text_status", f"{where}: translated_from {source!r} must be another language code, or empty for an original")
        if fingerprint is not None and not (isinstance(fingerprint, str) and FINGERPRINT.match(fingerprint)):
            problem("text_status", f"{where}: source_fingerprint {fingerprint!r} is not a fingerprint (hexadecimal, as exported)")
        if reviewer is not None and not (isinstance(reviewer, str) and 0 < len(reviewer) <= 120 and "\x00" not in reviewer):
            problem("text_status", f"{where}: reviewed_by must be a name of up to 120 characters")
        if isinstance(reviewed_on, datetime):  # YAML reads "2026-03-31 10:00" as a time
            reviewed_on = reviewed_on.date()
        if isinstance(reviewed_on, str):
            try:
                reviewed_on = date.fromisoformat(reviewed_on)
            except ValueError:
                pass
        if reviewed_on is not None and (not isinstance(reviewed_on, date) or reviewed_on > date.today()):
            problem("text_status", f"{where}: reviewed_on must be a past date like 2026-03-31, or empty")
            continue
        found[language] = TextStatus(
            status=status, translated_from=source, source_fingerprint=fingerprint,
            reviewed_by=reviewer, reviewed_on=reviewed_on,
        )
    return found
