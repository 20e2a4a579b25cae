"""The demo's draft translations, knowledge/translations/<language>/<city id>.yml: added to
a city file's entries as unreviewed drafts (status draft), each remembering the fingerprint
of the source text it was translated from, so that a later change of the source flags it."""
from pathlib import Path
from typing import List

import yaml

from knowledge.document import KbDocument, KbDocumentError, TextStatus
from knowledge.models import DRAFT, text_fingerprint
from knowledge.taxonomy import load_taxonomy

DRAFTS_DIR = Path(__file__).with_name("translations")


def add_drafts(document: KbDocument, directory: Path = DRAFTS_DIR) -> KbDocument:
    """The city document with its drafts added; KbDocumentError listing every problem."""
    errors: List[str] = []
    entries = {record.id: record for record in document.entries}
    for city in document.cities:
        for path in sorted(directory.glob(f"*/{city.id}.yml")):
            errors += _add_file(path, city.id, entries)
    if errors:
        raise KbDocumentError(errors)
    return document


def _add_file(path: Path, city_id: str, entries: dict) -> List[str]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    language, source = raw.get("language"), raw.get("translated_from")
    if raw.get("city") != city_id or language != path.parent.name or language not in load_taxonomy().languages:
        return [f"{path}: expected city {city_id!r} and language {path.parent.name!r} (the file's folder)"]
    if source not in load_taxonomy().languages or source == language:
        return [f"{path}: translated_from must be another language code"]
    errors = []
    for entry_id, draft in (raw.get("entries") or {}).items():
        record = entries.get(entry_id)
        where = f"{path}: entry {entry_id}"
        if record is None:
            errors.append(f"{where}: no such entry in knowledge/cities/{city_id}.yml")
        elif language in record.name or language in record.description:
            errors.append(f"{where}: the entry has a {language} text of its own; a draft would replace it")
        elif source not in record.name:
            errors.append(f"{where}: the entry has no {source} text to be translated from")
        elif not isinstance(draft, dict) or not str(draft.get("name") or "").strip():
            errors.append(f"{where}: a draft needs a name")
        elif bool(record.description.get(source)) != bool(str(draft.get("description") or "").strip()):
            errors.append(f"{where}: the draft must have a description exactly when its source has one")
        else:
            record.name[language] = str(draft["name"]).strip()
            if record.description.get(source):
                record.description[language] = str(draft["description"]).strip()
            record.text_status[language] = TextStatus(
                status=DRAFT, translated_from=source,
                source_fingerprint=text_fingerprint(record.name[source], record.description.get(source, "")),
            )
    return errors
