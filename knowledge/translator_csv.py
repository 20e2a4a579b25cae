"""What one city lacks in one language, as a spreadsheet for a translator (the XLIFF export's
content, knowledge/xliff.py, for those who work in Excel): one row per entry whose text is
missing, or outdated against the source language, with the source text beside an empty (or
the outdated) translation."""
import csv
import io

from sqlalchemy.orm import Session

from knowledge.csv_entries import guard_formula
from knowledge.xliff import texts_to_translate

COLUMNS = ("entry_id", "state", "source_language", "source_name", "source_description", "target_language",
           "name", "description", "source_fingerprint")


def export_translator_csv(session: Session, city_id: str, target: str, source: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in texts_to_translate(session, city_id, target, source):
        texts = entry.texts_by_language()
        original, current = texts[source], texts.get(target)
        writer.writerow([guard_formula(value) for value in (
            entry.id, entry.translation_state(target), source, original.name, original.description, target,
            current.name if current else "", current.description if current else "", original.fingerprint(),
        )])
    return out.getvalue()

