"""What one city lacks in one language, as a spreadsheet for a translator (the XLIFF export's
content, knowledge/xliff.py, for those who work in Excel): one row per entry whose text is
missing, or outdated against the source language, with the source text beside an empty (or
the outdated) translation; and the filled-in spreadsheet back, checked by the same rule as an
XLIFF file (all or nothing, every problem with its line)."""
import csv
import io
from typing import List, Optional, Tuple

from sqlalchemy.orm import Session

from knowledge.csv_entries import guard_formula, unguard_formula
from knowledge.document import KbDocumentError, decode_text
from knowledge.taxonomy import load_taxonomy
from knowledge.xliff import Translation, apply_translations, checked_translation, texts_to_translate

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



def read_translator_csv(session: Session, data: bytes, filename: str,
                        city_id: Optional[str] = None) -> Tuple[str, str, List[Translation]]:
    """(source language, target language, translations) of a spreadsheet as exported and filled
    in; KbDocumentError listing every problem with its line. One source and one target
    language per file, as exported; with `city_id`, only that city's entries."""
    rows = csv.reader(io.StringIO(decode_text(data, filename, "CSV"), newline=""))
    errors: List[str] = []
    try:
        header = [cell.strip() for cell in next(rows)]
        missing = [column for column in COLUMNS if column not in header]
        if missing:
            raise KbDocumentError([f"{filename}:1: not a translator spreadsheet as exported: missing column(s) {', '.join(missing)}"])
        languages, translations = set(), []
        next_line = rows.line_num + 1
        for record in rows:
            line, next_line = next_line, rows.line_num + 1  # a description may span several lines
            if not any(cell.strip() for cell in record):
                continue
            cells = {column: unguard_formula(value).strip() for column, value in zip(header, record)}
            pair = (cells.get("source_language", ""), cells.get("target_language", ""))
            known = load_taxonomy().languages
            if pair[0] not in known or pair[1] not in known or pair[0] == pair[1]:
                errors.append(f"{filename}:{line}: source_language and target_language must be two of: {', '.join(known)}")
                continue
            languages.add(pair)
            found = checked_translation(
                session, f"entry {cells['entry_id'] or '?'}", cells["entry_id"], city_id, pair[0],
                cells.get("source_fingerprint", ""), {"name": cells.get("name", ""), "description": cells.get("description", "")},
                lambda message, field=None, line=line: errors.append(f"{filename}:{line}: {message}"),
            )
            if found is not None:
                translations.append(found)
    except csv.Error as problem:
        raise KbDocumentError([f"{filename}:{rows.line_num}: not valid CSV: {problem}"]) from None
    except StopIteration:
        raise KbDocumentError([f"{filename}: the file is empty"]) from None
    if len(languages) > 1:
        errors.append(f"{filename}: one source and one target language per file, as exported; this one has "
                      + ", ".join(f"{source}→{target}" for source, target in sorted(languages)))
    if not translations and not errors:
        errors.append(f"{filename}: the file has no translated row")
    if errors:
        raise KbDocumentError(errors)
    source, target = languages.pop()
    return source, target, translations


def import_translator_csv(session: Session, data: bytes, filename: str, actor: str,
                          city_id: Optional[str] = None) -> Tuple[str, List[str]]:
    """Apply a filled-in spreadsheet in the caller's transaction: (target language, entry ids changed)."""
    source, target, translations = read_translator_csv(session, data, filename, city_id)
    return target, apply_translations(session, source, target, translations, actor)
