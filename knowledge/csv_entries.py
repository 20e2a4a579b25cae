"""Entries as a spreadsheet (CSV): one row per entry, one column per field and language.

Reading turns each row into the same mapping a YAML entry is, validated by the same rules
(knowledge/document.py), with the row's line in every error. Writing is the exact inverse,
so export -> import changes nothing. City settings (time zone, contact entry) are not
part of a spreadsheet: the cities must already be in the database.
"""
import csv
import io
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Tuple

from knowledge import typed_values
from knowledge.document import KbDocument, KbDocumentError, decode_text, mapping_at_line, validate_entries
from knowledge.opening_hours import DAYS
from knowledge.taxonomy import load_taxonomy

# A spreadsheet runs a cell starting with one of these as a formula: exported cells get a
# leading apostrophe, which reading removes again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def columns() -> List[str]:
    languages = list(load_taxonomy().languages)
    return [
        "id", "city", "category",
        *(f"name_{code}" for code in languages),
        *(f"description_{code}" for code in languages),
        "address", "latitude", "longitude", "phone", "email", "website",
        *(f"hours_{day}" for day in DAYS),
        "languages_spoken", "source", "verified_on", "active", "priority", "crisis_line",
        *(f"{kind}_{code}" for kind in TEXT_STATUS_COLUMNS for code in languages),
    ]


# Per language: where its text comes from (knowledge/document.py TextStatus).
TEXT_STATUS_COLUMNS = ("status", "translated_from", "source_fingerprint", "reviewed_by", "reviewed_on")
TEXT_COLUMNS = ("address", "phone", "email", "website", "source")
MAX_NAMED_COLUMNS = 20  # unknown columns named in an error; the rest counted


# --- reading -------------------------------------------------------------------------------

def read_csv(data: bytes, filename: str = "<input>") -> KbDocument:
    """Parse and validate a spreadsheet; raise KbDocumentError listing every problem."""
    text = decode_text(data, filename, "CSV")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header: List[str] = []
    rows: List[Tuple[int, List[str]]] = []
    try:
        header = next(reader, [])
        row_start = reader.line_num + 1
        for row in reader:
            rows.append((row_start, row))
            row_start = reader.line_num + 1
    except csv.Error as error:
        raise KbDocumentError([f"{filename}:{reader.line_num}: not valid CSV: {error}"])
    return read_rows(header, rows, filename)


def read_rows(header: List[str], rows: Iterable[Tuple[int, List[str]]], filename: str) -> KbDocument:
    """A spreadsheet's header and its (line, cells) rows -> a validated document; every
    problem is named with its line (the spreadsheet's row number). CSV and XLSX use this."""
    header = [cell.strip().lower() for cell in header]
    errors: List[str] = []
    nodes = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # spreadsheets leave empty rows at the end
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            errors.append(f"{filename}:{line}: this row has {len(row)} cells but the header has {len(header)} columns")
            continue
        cells = dict(zip(header, row + [""] * (len(header) - len(row))))
        nodes.append(mapping_at_line(_entry_from_cells(cells), line))
    header_problems, rows_readable = _header_problems(header, filename)
    errors = header_problems + errors
    document = None
    if rows_readable:
        try:
            document = validate_entries(nodes, filename)
        except KbDocumentError as error:
            errors += error.errors
            document = error.valid_part
    if document is not None:
        given = _fields_given(header)
        for record in document.entries:
            record.only = given
    if errors:
        raise KbDocumentError(errors, document)
    return document


def _fields_given(header: List[str]) -> frozenset:
    """The entry fields the spreadsheet's columns set (name_fr -> 'name.fr', hours_* -> opening_hours)."""
    given = set()
    for column in header:
        kind, _, code = column.rpartition("_")
        if kind in ("name", "description") and code:
            given.add(f"{kind}.{code}")
        elif kind in TEXT_STATUS_COLUMNS and code:
            given.add(f"text_status.{code}")
        elif kind == "hours":
            given.add("opening_hours")
        else:
            given.add(column)
    return frozenset(given)


def _delimiter(text: str) -> str:
    """',' or ';' (spreadsheets with a decimal comma) or a tab: the one the header uses most."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _header_problems(header: List[str], filename: str) -> Tuple[List[str], bool]:
    """Problems of the header line, and whether the rows can be checked despite them."""
    known = columns()
    problems = []
    counts = Counter(header)  # counted once: a malformed file may have 50,000 columns
    for name in sorted(c for c, n in counts.items() if n > 1):
        problems.append(f"{filename}:1: column {name!r} appears twice")
    unknown = [c for c in counts if c not in known]  # each once, in the header's order
    if unknown:
        named = ", ".join(repr(c) for c in unknown[:MAX_NAMED_COLUMNS])
        more = f" and {len(unknown) - MAX_NAMED_COLUMNS} more" if len(unknown) > MAX_NAMED_COLUMNS else ""
        problems.append(f"{filename}:1: unknown column(s) {named}{more}; columns are: {', '.join(known)}")
    rows_readable = True
    for required in ("id", "city", "category"):
        if required not in header:
            problems.append(f"{filename}:1: the column {required!r} is missing")
            rows_readable = False
    if not any(c.startswith("name_") for c in header):
        problems.append(f"{filename}:1: no name column (e.g. name_en)")
        rows_readable = False
    return problems, rows_readable


def _entry_from_cells(cells: Dict[str, str]) -> Dict[str, Any]:
    """One row as the mapping a YAML entry is (see knowledge/typed_values.py)."""
    def cell(name: str) -> Optional[str]:
        value = unguard_formula(cells.get(name, "")).strip()
        return value or None

    entry: Dict[str, Any] = {"id": cell("id"), "city": cell("city"), "category": cell("category")}
    for kind in ("name", "description"):
        entry[kind] = {
            code: cell(f"{kind}_{code}") for code in load_taxonomy().languages if cell(f"{kind}_{code}")
        }
    for name in TEXT_COLUMNS:
        entry[name] = cell(name)
    entry["latitude"] = typed_values.number(cell("latitude"))
    entry["longitude"] = typed_values.number(cell("longitude"))
    entry["opening_hours"] = typed_values.week_hours({day: cell(f"hours_{day}") for day in DAYS})
    entry["languages_spoken"] = typed_values.language_list(cell("languages_spoken"))
    entry["verified_on"] = cell("verified_on")
    entry["active"] = typed_values.boolean(cell("active"))
    entry["priority"] = typed_values.integer(cell("priority"))
    entry["crisis_line"] = typed_values.boolean(cell("crisis_line"), default=False)
    statuses = {}
    for code in load_taxonomy().languages:
        fields = {kind: cell(f"{kind}_{code}") for kind in TEXT_STATUS_COLUMNS}
        if any(fields.values()):  # all empty: the file says nothing of that text's status
            statuses[code] = fields
    if statuses:
        entry["text_status"] = statuses
    return entry


def unguard_formula(value: str) -> str:
    """A cell as written before guard_formula protected it from spreadsheet formulas."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


# --- writing -------------------------------------------------------------------------------

def write_csv(entries: Iterable[dict]) -> str:
    """Entries as exported (knowledge.changes.entry_as_dict) -> CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(table_of(entries))
    return out.getvalue()


def table_of(entries: Iterable[dict]) -> Iterable[List[str]]:
    """The header, then one row of cells per entry (CSV and XLSX write this)."""
    header = columns()
    yield header
    for entry in entries:
        cells = _cells_of(entry)
        yield [cells.get(name, "") for name in header]


def _cells_of(entry: dict) -> Dict[str, str]:
    cells = {"id": entry["id"], "city": entry["city"], "category": entry["category"]}
    for kind in ("name", "description"):
        for code, value in (entry.get(kind) or {}).items():
            cells[f"{kind}_{code}"] = guard_formula(value)
    for name in TEXT_COLUMNS:
        cells[name] = guard_formula(entry.get(name) or "")
    for name in ("latitude", "longitude"):
        cells[name] = "" if entry.get(name) is None else repr(float(entry[name]))
    for day, spans in (entry.get("opening_hours") or {}).items():
        cells[f"hours_{day}"] = typed_values.day_text(spans)
    cells["languages_spoken"] = ", ".join(entry.get("languages_spoken") or [])
    verified = entry.get("verified_on")
    cells["verified_on"] = verified.isoformat() if hasattr(verified, "isoformat") else (verified or "")
    cells["active"] = "true" if entry.get("active", True) else "false"
    cells["priority"] = str(entry.get("priority") or 0)
    cells["crisis_line"] = "true" if entry.get("crisis_line", False) else "false"
    for code, status in (entry.get("text_status") or {}).items():
        for kind in TEXT_STATUS_COLUMNS:
            value = status.get(kind)
            cells[f"{kind}_{code}"] = value.isoformat() if hasattr(value, "isoformat") else guard_formula(value or "")
    return cells


def guard_formula(value: str) -> str:
    return "'" + value if value and value[0] in FORMULA_START else value
