"""What a change changed, field by field, for people: "Name (fa): old → new".

Used by the entry editor's confirmation and by the audit history. Entries are compared as
knowledge.changes.entry_as_dict gives them; the per-language texts become one line per
language; the bookkeeping of a text's status (fingerprints) is left out.
"""
import json
from typing import Any, Dict, List, NamedTuple

from flask_babel import lazy_gettext as _l

from knowledge.changes import entry_as_dict, json_default
from knowledge.models import Entry

# What staff call the fields; anything else keeps its own name.
FIELD_NAMES = {
    "name": _l("Name"), "description": _l("Description"), "category": _l("Category"), "address": _l("Address"),
    "latitude": _l("Latitude"), "longitude": _l("Longitude"), "phone": _l("Phone"), "email": _l("E-mail"),
    "website": _l("Website"), "opening_hours": _l("Opening hours"), "languages_spoken": _l("Languages spoken there"),
    "source": _l("Source"), "verified_on": _l("Last verified on"), "active": _l("Active"), "priority": _l("Priority"),
    "crisis_line": _l("Crisis line"), "text_status": _l("Translation status"), "city_id": _l("City"),
}
PER_LANGUAGE = ("name", "description")
SKIPPED_STATUS_KEYS = ("source_fingerprint", "outdated")


class FieldChange(NamedTuple):
    field: str  # e.g. "name.fa", "phone", "opening_hours"
    old: Any
    new: Any

    def label(self) -> str:
        key, _, language = self.field.partition(".")
        name = str(FIELD_NAMES.get(key, key))
        return f"{name} ({language})" if language else name


def flatten(data: Dict[str, Any]) -> Dict[str, Any]:
    """An entry's data with one key per language text ("name.fa") and per text status."""
    flat: Dict[str, Any] = {}
    for key, value in (data or {}).items():
        if key in PER_LANGUAGE and isinstance(value, dict):
            flat.update({f"{key}.{code}": text for code, text in value.items()})
        elif key == "text_status" and isinstance(value, dict):
            for code, status in value.items():
                if isinstance(status, dict):
                    shown = {k: v for k, v in status.items() if k not in SKIPPED_STATUS_KEYS and v is not None}
                    flat[f"text_status.{code}"] = shown
        else:
            flat[key] = value
    return flat


def field_changes(before: Dict[str, Any], after: Dict[str, Any]) -> List[FieldChange]:
    old, new = flatten(before), flatten(after)
    keys = [key for key in new if key not in ("id", "city")] + [key for key in old if key not in new]
    return [FieldChange(key, old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key)]


def shown(value: Any) -> str:
    """A value as one short line."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {shown(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(shown(item) for item in value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def entry_data(entry: Entry) -> Dict[str, Any]:
    """The entry as its audit rows store it (dates as text)."""
    return json.loads(json.dumps(entry_as_dict(entry), default=json_default))
