"""Exchange with translators (`inclubot kb xliff-export|xliff-import`), as staff run it: what
is missing or outdated goes out, the translation comes back (XLIFF, or a CSV spreadsheet);
a unit whose source changed since is refused, and a malformed file writes nothing."""
import csv
import json
import xml.etree.ElementTree as ET

import pytest

from test_kb_import_export import audit_count, inclubot, snapshot
from test_translations import coverage_rows, exported

pytestmark = pytest.mark.slow  # every test runs the inclubot command as a process

NS = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
ENGLISH_ONLY = """\
format: inclubot-kb/1
cities: [{id: mechelen, timezone: Europe/Brussels}]
entries:
  - {id: mechelen-new-clinic, city: mechelen, category: health, name: {en: New clinic}, description: {en: For everyone.}}
"""


def set_english_description(db: str, tmp_path, entry_id: str, addition: str) -> None:
    """Staff add a sentence to an entry's English description (the entry otherwise as exported)."""
    entry = next(e for e in exported(db, "--city", "mechelen")["entries"] if e["id"] == entry_id)
    entry["description"]["en"] += " " + addition
    del entry["text_status"]  # the English text changes: it gets the status of the import
    path = tmp_path / "change.json"
    path.write_text(json.dumps({"cities": [{"id": "mechelen", "timezone": "Europe/Brussels"}], "entries": [entry]}), encoding="utf-8")
    result = inclubot(db, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr


def translate(path, prefix: str = "ترجمة: ") -> None:
    """What the translator does: fill every target."""
    tree = ET.parse(path)
    for segment in tree.getroot().iterfind(".//x:segment", NS):
        target = segment.find("x:target", NS)
        if target is None:
            target = ET.SubElement(segment, f"{{{NS['x']}}}target")
        target.text = prefix + segment.find("x:source", NS).text
    tree.write(path, encoding="utf-8", xml_declaration=True)


def test_missing_and_outdated_texts_go_out_and_come_back_translated(demo_db, tmp_path):
    new = tmp_path / "new.yml"
    new.write_text(ENGLISH_ONLY, encoding="utf-8")
    assert inclubot(demo_db, "kb", "import", str(new)).returncode == 0
    set_english_description(demo_db, tmp_path, "mechelen-hospital", "Open day and night.")
    before = coverage_rows(demo_db, "--city", "mechelen")[("mechelen", "ar")]
    assert before["missing"] == 1 and before["outdated"] == 1

    path = tmp_path / "mechelen-ar.xlf"
    result = inclubot(demo_db, "kb", "xliff-export", "--city", "mechelen", "--language", "ar", "--output", str(path))
    assert result.returncode == 0 and "exported 2 entries" in result.stdout, result.stderr
    units = [u.get("id") for u in ET.parse(path).getroot().iterfind(".//x:unit", NS)]
    assert units == ["mechelen-hospital", "mechelen-new-clinic"]
    translate(path)

    dry = inclubot(demo_db, "kb", "xliff-import", str(path), "--dry-run")
    assert dry.returncode == 0 and "dry run, nothing changed: 2 translation(s) into ar" in dry.stdout
    assert coverage_rows(demo_db, "--city", "mechelen")[("mechelen", "ar")] == before

    result = inclubot(demo_db, "kb", "xliff-import", str(path))
    assert result.returncode == 0, result.stderr
    after = coverage_rows(demo_db, "--city", "mechelen")[("mechelen", "ar")]
    assert (after["missing"], after["outdated"], after["translated"]) == (0, 0, before["translated"] + 2)
    clinic = next(e for e in exported(demo_db, "--city", "mechelen")["entries"] if e["id"] == "mechelen-new-clinic")
    assert clinic["name"]["ar"] == "ترجمة: New clinic" and clinic["description"]["ar"] == "ترجمة: For everyone."
    assert clinic["text_status"]["ar"]["status"] == "imported" and clinic["text_status"]["ar"]["translated_from"] == "en"
    again = inclubot(demo_db, "kb", "xliff-export", "--city", "mechelen", "--language", "ar")
    assert "<unit" not in again.stdout  # nothing left to translate


def test_a_unit_whose_source_changed_since_the_export_is_refused(demo_db, tmp_path):
    set_english_description(demo_db, tmp_path, "mechelen-hospital", "Open day and night.")
    path = tmp_path / "mechelen-fa.xlf"
    assert inclubot(demo_db, "kb", "xliff-export", "--city", "mechelen", "--language", "fa", "--output", str(path)).returncode == 0
    translate(path, "ترجمه: ")
    set_english_description(demo_db, tmp_path, "mechelen-hospital", "Bring your card.")  # changed meanwhile
    before, audits = snapshot(demo_db), audit_count(demo_db)
    result = inclubot(demo_db, "kb", "xliff-import", str(path))
    assert result.returncode == 1
    assert "mechelen-fa.xlf:4: unit mechelen-hospital: the en text changed since this file was exported" in result.stderr, result.stderr
    assert snapshot(demo_db) == before and audit_count(demo_db) == audits


def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_written(demo_db, tmp_path):
    before = snapshot(demo_db)
    cases = {
        "cut.xlf": ('<?xml version="1.0"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ar">\n<file id="mechelen">\n',
                    "cut.xlf:4: not valid XML"),
        "entity.xlf": ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<xliff/>\n', "entity.xlf:2: a DOCTYPE is not allowed"),
        "unknown.xlf": ('<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ar">\n'
                        '<file id="mechelen">\n<unit id="mechelen-nowhere"><segment id="name"><source>x</source></segment></unit>\n</file></xliff>\n',
                        "unknown.xlf:3: unit mechelen-nowhere: no such entry in mechelen"),
        "other.xml": ("<html><body/></html>\n", "other.xml:1: not an XLIFF 2.0 document"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = inclubot(demo_db, "kb", "xliff-import", str(path))
        assert result.returncode == 1 and expected in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr
    assert snapshot(demo_db) == before


def translate_csv(path, prefix: str = "ترجمة: ") -> None:
    """What a translator with a spreadsheet does: fill the name and description of every row
    (the program writes the file back as UTF-8 with its BOM, as it was exported)."""
    with open(path, encoding="utf-8-sig", newline="") as sheet:
        rows = list(csv.DictReader(sheet))
    for row in rows:
        row["name"] = prefix + row["source_name"]
        row["description"] = prefix + row["source_description"] if row["source_description"] else ""
    with open(path, "w", encoding="utf-8-sig", newline="") as sheet:
        writer = csv.DictWriter(sheet, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_spreadsheet_goes_out_and_comes_back_translated(demo_db, tmp_path):
    new = tmp_path / "new.yml"
    new.write_text(ENGLISH_ONLY.replace("{en: For everyone.}", '{en: "For everyone.\\nBring your card."}'), encoding="utf-8")
    assert inclubot(demo_db, "kb", "import", str(new)).returncode == 0
    before = coverage_rows(demo_db, "--city", "mechelen")[("mechelen", "uk")]

    path = tmp_path / "mechelen-uk.csv"
    result = inclubot(demo_db, "kb", "xliff-export", "--city", "mechelen", "--language", "uk", "--format", "csv", "--output", str(path))
    assert result.returncode == 0 and "exported 1 entries" in result.stdout, result.stderr
    translate_csv(path, "Переклад: ")
    dry = inclubot(demo_db, "kb", "xliff-import", str(path), "--dry-run")
    assert dry.returncode == 0 and "dry run, nothing changed: 1 translation(s) into uk" in dry.stdout, dry.stderr
    assert coverage_rows(demo_db, "--city", "mechelen")[("mechelen", "uk")] == before

    result = inclubot(demo_db, "kb", "xliff-import", str(path))
    assert result.returncode == 0, result.stderr
    after = coverage_rows(demo_db, "--city", "mechelen")[("mechelen", "uk")]
    assert (after["missing"], after["translated"]) == (before["missing"] - 1, before["translated"] + 1)
    clinic = next(e for e in exported(demo_db, "--city", "mechelen")["entries"] if e["id"] == "mechelen-new-clinic")
    assert clinic["name"]["uk"] == "Переклад: New clinic"
    assert clinic["description"]["uk"] == "Переклад: For everyone.\nBring your card."
    assert clinic["text_status"]["uk"]["status"] == "imported"


def test_a_spreadsheet_row_whose_source_changed_or_that_is_empty_is_refused_with_its_line(demo_db, tmp_path):
    path = tmp_path / "mechelen-fa.csv"
    set_english_description(demo_db, tmp_path, "mechelen-hospital", "Open day and night.")
    assert inclubot(demo_db, "kb", "xliff-export", "--city", "mechelen", "--language", "fa", "--format", "csv",
                    "--output", str(path)).returncode == 0
    translate_csv(path, "ترجمه: ")
    set_english_description(demo_db, tmp_path, "mechelen-hospital", "Bring your card.")  # changed meanwhile
    before, audits = snapshot(demo_db), audit_count(demo_db)
    result = inclubot(demo_db, "kb", "xliff-import", str(path))
    assert result.returncode == 1
    assert "mechelen-fa.csv:2: entry mechelen-hospital: the en text changed since this file was exported" in result.stderr, result.stderr
    assert snapshot(demo_db) == before and audit_count(demo_db) == audits

    cases = {
        "empty-name.csv": (lambda rows: rows[1].__setitem__(6, ""), "empty-name.csv:2: entry mechelen-hospital: name: no translation"),
        "columns.csv": (lambda rows: rows[0].__setitem__(8, "fingerprint"), "columns.csv:1: not a translator spreadsheet as exported"),
        "language.csv": (lambda rows: rows[1].__setitem__(5, "xx"), "language.csv:2: source_language and target_language must be two of"),
    }
    assert inclubot(demo_db, "kb", "xliff-export", "--city", "mechelen", "--language", "fa", "--format", "csv",
                    "--output", str(path)).returncode == 0  # the current text this time
    translate_csv(path, "ترجمه: ")
    good = list(csv.reader(open(path, encoding="utf-8-sig", newline="")))
    assert good[1][0] == "mechelen-hospital"
    for name, (spoil, expected) in cases.items():
        rows = [list(row) for row in good]
        spoil(rows)
        with open(tmp_path / name, "w", encoding="utf-8-sig", newline="") as sheet:
            csv.writer(sheet).writerows(rows)
        result = inclubot(demo_db, "kb", "xliff-import", str(tmp_path / name))
        assert result.returncode == 1 and expected in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr
    (tmp_path / "binary.csv").write_bytes(b"entry_id\x00\xff")
    result = inclubot(demo_db, "kb", "xliff-import", str(tmp_path / "binary.csv"))
    assert result.returncode == 1 and "binary.csv: this is a binary file" in result.stderr, result.stderr
    assert snapshot(demo_db) == before and audit_count(demo_db) == audits
