"""`inclubot kb import|export` in YAML, JSON and CSV, run as staff run it, on SQLite and
PostgreSQL: errors with their lines and nothing written, dry runs, a lossless round trip,
and an audit row for every change."""
import csv
import io
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import servers
from conftest import PROJECT_ROOT, drop_postgres, fresh_postgres_url, fresh_sqlite_url
from knowledge.db import get_engine, session_scope
from knowledge.document import CityRecord, KbDocument, KbDocumentError
from knowledge.migrate import upgrade
from knowledge.models import AuditLog, Entry
from knowledge.csv_entries import MAX_NAMED_COLUMNS
from knowledge.transfer import export_all, import_document, import_file

CITY_B = "mechelen"
HEADER = "id,city,category,name_en,name_fr,description_en,phone,website,latitude,longitude,hours_mon,languages_spoken,verified_on,active,priority"

# Every kind of value an entry holds, and texts that are hard to carry through a spreadsheet.
RICH_ENTRIES = """\
format: inclubot-kb/1
cities:
  - {id: schaerbeek, timezone: Europe/Brussels}
  - {id: fuenlabrada, timezone: Europe/Madrid}
entries:
  - id: schaerbeek-rich
    city: schaerbeek
    category: health
    name: {en: "Clinic, \\"Le Pont\\"; 24/7", ar: عيادة الجسر, fa: "=درمانگاه", uk: "+Клініка"}
    description:
      en: "First line.\\nSecond line, with a comma; and a semicolon."
      fr: "'Guillemet au début"
      el: "-Κλινική @home"
    address: "Rue Royale 1, 1030 Schaerbeek"
    latitude: 50.867612
    longitude: 4.377301
    phone: "+32 2 123 45 67"
    email: clinic@example.org
    website: https://example.org/path?a=1&b=2
    opening_hours: {mon: ["09:00-12:00", "13:00-16:30"], wed: [], sun: ["00:00-24:00"]}
    languages_spoken: [fr, nl, ar, ti]
    source: "Phoned them, 2026"
    verified_on: 2026-02-28
    active: false
    priority: -3
  - id: fuenlabrada-west
    city: fuenlabrada
    category: shelter
    name: {es: Albergue}
    latitude: 40.28
    longitude: -3.8
    priority: 7
"""


def inclubot(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(servers.BIN / "inclubot"), *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=120, env={**os.environ, "INCLUBOT_DATABASE_URL": database_url},
    )


def snapshot(database_url: str) -> str:
    with session_scope(database_url) as session:
        return json.dumps(export_all(session), default=str, sort_keys=True, ensure_ascii=False)


def audit_count(database_url: str) -> int:
    with session_scope(database_url) as session:
        return session.execute(select(func.count()).select_from(AuditLog)).scalar_one()


# --- a file with errors changes nothing and says where every error is --------------------

BAD_FILES = {
    "bad.csv": (
        HEADER + "\n"
        "schaerbeek-town-hall,schaerbeek,registration,Town hall,,,+32 2 244 75 11,,,,,,,,10\n"  # 2: valid
        'schaerbeek-x,schaerbeek,health,X,,"A description\nover two lines",call us,www.x,,,,,,,\n'  # 3-4
        "schaerbeek-y,schaerbeek,nonsense,Y,,,,,91,4.3,9-12,,31/12/2025,maybe,\n"  # 5
        "schaerbeek-x,schaerbeek,health,X again,,,,,,,,,,,\n"  # 6: id used twice
        "mechelen-town-hall,schaerbeek,registration,Moved,,,,,,,,,,,\n"  # 7: belongs to Mechelen
        ",,,,,,,,,,,,,,\n",  # an empty spreadsheet row is skipped
        [
            "bad.csv:3: entry schaerbeek-x: phone 'call us' is not valid",
            "bad.csv:3: entry schaerbeek-x: website 'www.x' is not valid",
            "bad.csv:5: entry schaerbeek-y: unknown category 'nonsense'",
            "bad.csv:5: entry schaerbeek-y: latitude must be a number between -90 and 90",
            "bad.csv:5: entry schaerbeek-y: opening_hours.mon: opening hours must look like 09:00-12:30, not '9-12'",
            "bad.csv:5: entry schaerbeek-y: verified_on must be a date like 2026-03-31",
            "bad.csv:5: entry schaerbeek-y: active must be true or false",
            "bad.csv:6: entry id 'schaerbeek-x' is used twice (first on line 3)",
            "bad.csv:7: entry mechelen-town-hall: this id belongs to an entry of mechelen, not schaerbeek",
        ],
    ),
    "bad.yml": (
        "city: schaerbeek\n"
        "timezone: Europe/Brussels\n"
        "entries:\n"
        "  - id: schaerbeek-town-hall\n"
        "    category: registration\n"
        "    name: {en: Town hall}\n"
        "    phone: '+32 2 244 75 11'\n"
        "  - id: schaerbeek-bad\n"  # 8
        "    category: health\n"
        "    name: {en: Bad, xx: Nope}\n"  # 10
        "    email: not-an-email\n"  # 11
        "    opening_hours: {mon: ['09:00-08:00']}\n",  # 12
        [
            "bad.yml:10: entry schaerbeek-bad: name: unknown language 'xx'",
            "bad.yml:11: entry schaerbeek-bad: email 'not-an-email' is not valid",
            "bad.yml:12: entry schaerbeek-bad: opening_hours.mon: '09:00-08:00' ends before it starts",
        ],
    ),
    "bad.json": (
        '{"cities": [{"id": "schaerbeek", "timezone": "Europe/Brussels"}],\n'
        ' "entries": [\n'
        '  {"id": "schaerbeek-town-hall", "city": "schaerbeek", "category": "registration",\n'
        '   "name": {"en": "Town hall"}, "phone": "+32 2 244 75 11"},\n'
        '  {"id": "schaerbeek-j", "city": "schaerbeek", "category": "health",\n'  # 5
        '   "name": {"en": "J"}, "priority": "high",\n'  # 6
        '   "languages_spoken": "french"}\n'  # 7
        ' ]}\n',
        [
            "bad.json:6: entry schaerbeek-j: priority must be a whole number",
            "bad.json:7: entry schaerbeek-j: languages_spoken must be a list of language codes",
        ],
    ),
}


@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("filename", sorted(BAD_FILES))
def test_a_file_with_errors_changes_nothing_and_lists_every_error_with_its_line(demo_db, tmp_path, filename):
    content, expected = BAD_FILES[filename]
    path = tmp_path / filename
    path.write_text(content, encoding="utf-8")
    before, audits = snapshot(demo_db), audit_count(demo_db)
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 1
    reported = result.stderr.replace(str(tmp_path) + "/", "")
    assert f"nothing was imported, {len(expected)} problem(s)" in reported, reported
    for error in expected:
        assert error in reported, reported
    assert "Traceback" not in result.stderr
    assert snapshot(demo_db) == before and audit_count(demo_db) == audits


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_spreadsheet_for_a_city_not_in_the_database_says_so(empty_db, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text(HEADER + "\nschaerbeek-a,schaerbeek,health,A,,,,,,,,,,,\n", encoding="utf-8")
    result = inclubot(empty_db, "kb", "import", str(path))
    assert result.returncode == 1
    assert "new.csv:2: entry schaerbeek-a: city schaerbeek is not set up in this database yet" in result.stderr
    assert snapshot(empty_db) == json.dumps({"cities": [], "entries": [], "format": "inclubot-kb/1"}, sort_keys=True)


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_spreadsheet_with_unknown_or_missing_columns_is_refused_at_line_1(demo_db, tmp_path):
    path = tmp_path / "columns.csv"
    path.write_text("id,city,name_en,telephone\nschaerbeek-a,schaerbeek,A,123\n", encoding="utf-8")
    before = snapshot(demo_db)
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 1
    assert "columns.csv:1: unknown column(s) 'telephone'" in result.stderr
    assert "columns.csv:1: the column 'category' is missing" in result.stderr
    assert snapshot(demo_db) == before


def test_a_spreadsheet_of_thousands_of_columns_is_refused_with_each_unknown_one_named_once(demo_db):
    columns = ["id", "city", "category", "name_en", *(f"extra{n}" for n in range(5000)), *["extra0"] * 5000]
    data = (",".join(columns) + "\nschaerbeek-a,schaerbeek,health,A\n").encode("utf-8")
    before = snapshot(demo_db)
    with pytest.raises(KbDocumentError) as refused, session_scope(demo_db) as session:
        import_file(session, data, "wide.csv", actor="test")
    errors = refused.value.errors
    assert "wide.csv:1: column 'extra0' appears twice" in errors
    unknown = next(e for e in errors if "unknown column" in e)
    assert unknown.startswith("wide.csv:1: unknown column(s) 'extra0', 'extra1', ")
    assert unknown.count("'extra0'") == 1 and f"and {5000 - MAX_NAMED_COLUMNS} more;" in unknown
    assert snapshot(demo_db) == before


# --- dry run ---------------------------------------------------------------------------

# A spreadsheet with a few columns: the others (descriptions, other languages...) stay as they are.
CHANGES = (
    "id,city,category,name_en,phone\n"
    "schaerbeek-town-hall,schaerbeek,registration,Municipality of Schaerbeek – population service (town hall),+32 2 244 75 11\n"
    "schaerbeek-new,schaerbeek,health,New clinic,\n"
)

@pytest.mark.slow  # runs the inclubot command as a process
def test_a_dry_run_shows_what_would_change_and_changes_nothing(demo_db, tmp_path):
    path = tmp_path / "change.csv"
    path.write_text(CHANGES, encoding="utf-8")
    before, audits = snapshot(demo_db), audit_count(demo_db)
    result = inclubot(demo_db, "kb", "import", str(path), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run, nothing changed" in result.stdout
    assert "  + schaerbeek-new" in result.stdout
    assert "  ~ schaerbeek-town-hall: phone\n" in result.stdout
    assert snapshot(demo_db) == before and audit_count(demo_db) == audits


# --- export -> import is lossless ---------------------------------------------------------

@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("file_format", ["json", "yaml", "csv"])
def test_export_then_import_gives_the_same_knowledge_base(demo_db, second_db, tmp_path, file_format):
    rich = tmp_path / "rich.yml"
    rich.write_text(RICH_ENTRIES, encoding="utf-8")
    loaded = inclubot(demo_db, "kb", "import", str(rich))
    assert loaded.returncode == 0, loaded.stderr
    exported = tmp_path / f"kb.{file_format}"
    result = inclubot(demo_db, "kb", "export", "--format", file_format, "--output", str(exported))
    assert result.returncode == 0, result.stderr
    if file_format == "csv":  # a spreadsheet holds entries only: the cities must be there already
        with session_scope(demo_db) as session:
            cities = [CityRecord(c["id"], c["timezone"], c["human_contact"]) for c in export_all(session)["cities"]]
        with session_scope(second_db) as session:
            import_document(session, KbDocument(cities=cities, entries=[]), actor="test setup")
        assert exported.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets read it as UTF-8
    imported = inclubot(second_db, "kb", "import", str(exported))
    assert imported.returncode == 0, imported.stderr
    assert snapshot(second_db) == snapshot(demo_db)
    again = tmp_path / f"again.{file_format}"
    inclubot(second_db, "kb", "export", "--format", file_format, "--output", str(again))
    assert again.read_bytes() == exported.read_bytes()
    with session_scope(second_db) as session:
        rich_entry = session.get(Entry, "schaerbeek-rich")
        assert rich_entry.texts_by_language()["fa"].name == "=درمانگاه"  # the formula guard is undone
        assert rich_entry.opening_hours == {"mon": ["09:00-12:00", "13:00-16:30"], "wed": [], "sun": ["00:00-24:00"]}
        assert rich_entry.active is False and rich_entry.priority == -3


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_spreadsheet_saved_by_excel_in_a_european_locale_imports(demo_db, tmp_path):
    path = tmp_path / "excel.csv"
    rows = [
        "id;city;category;name_en;name_ar;latitude;longitude;hours_mon;hours_tue;languages_spoken;active;priority;phone",
        "schaerbeek-excel;schaerbeek;health;Excel clinic;عيادة;50,8676;4,3773;09:00-12:00;closed;fr nl;yes;2;'+32 2 555 55 55",
        ";;;;;;;;;;;;",
    ]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode("utf-8") + b"\r\n")
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr
    with session_scope(demo_db) as session:
        entry = session.get(Entry, "schaerbeek-excel")
        assert (entry.latitude, entry.longitude, entry.priority, entry.active) == (50.8676, 4.3773, 2, True)
        assert entry.opening_hours == {"mon": ["09:00-12:00"], "tue": []}
        assert entry.languages_spoken == ["fr", "nl"] and entry.phone == "+32 2 555 55 55"
        assert entry.texts_by_language()["ar"].name == "عيادة"


# --- audit ------------------------------------------------------------------------------

@pytest.mark.slow  # runs the inclubot command as a process
def test_every_imported_change_has_an_audit_row(demo_db, tmp_path):
    path = tmp_path / "change.csv"
    path.write_text(CHANGES, encoding="utf-8")
    with session_scope(demo_db) as session:
        last = session.execute(select(func.max(AuditLog.id))).scalar_one()
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr
    with session_scope(demo_db) as session:
        rows = session.execute(select(AuditLog).where(AuditLog.id > last).order_by(AuditLog.id)).scalars().all()
        assert [(r.action, r.entry_id, r.city_id) for r in rows] == [
            ("import-update", "schaerbeek-town-hall", "schaerbeek"),
            ("import-create", "schaerbeek-new", "schaerbeek"),
        ]
        assert rows[0].changes == {"phone": "+32 2 244 75 11"}  # the columns left out are unchanged
        assert rows[1].changes["name"] == {"en": "New clinic"} and rows[1].changes["phone"] is None
        assert all(r.actor.startswith("cli:") for r in rows)
    assert inclubot(demo_db, "kb", "import", str(path)).returncode == 0  # the same file again: no change
    with session_scope(demo_db) as session:
        assert session.execute(select(func.count()).select_from(AuditLog).where(AuditLog.id > last)).scalar_one() == 2


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_city_exports_its_own_spreadsheet(demo_db):
    result = inclubot(demo_db, "kb", "export", "--format", "csv", "--city", CITY_B)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) >= 12 and {row["city"] for row in rows} == {CITY_B}
    unknown = inclubot(demo_db, "kb", "export", "--city", "atlantis")
    assert unknown.returncode == 2 and "unknown city 'atlantis'" in unknown.stderr


# Nested aliases: 351 bytes that expand to 9^9 (387 million) values; `str()` of it hung the import.
ALIAS_BOMB = "\n".join(
    [f'a: &a [{",".join(["lol"] * 9)}]']
    + [f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]" for previous, name in zip("abcdefgh", "bcdefghi")]
    + ["city: *i", ""]
)


@pytest.mark.slow  # runs the inclubot command as a process
def test_an_alias_bomb_is_refused_at_once_and_nothing_is_imported(demo_db, tmp_path):
    """Issue 14.5."""
    before = snapshot(demo_db)
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 500
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("result", inclubot(demo_db, "kb", "import", str(bomb))))
    worker.start()
    worker.join(60)  # a generous bound: the CLI starts in a few seconds, the refusal takes milliseconds
    assert not worker.is_alive(), "the import is still expanding the aliases"
    result = outcome["result"]
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "anchors and aliases (&name, *name) are not accepted" in result.stderr
    assert snapshot(demo_db) == before


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_plain_anchor_is_refused_too_with_its_line(demo_db, tmp_path):
    document = tmp_path / "anchor.yml"
    document.write_text("city: schaerbeek\nentries:\n  - &first\n    id: schaerbeek-x\n")
    result = inclubot(demo_db, "kb", "import", str(document))
    assert result.returncode == 1 and f"{document}:3: not valid YAML/JSON: anchors and aliases" in result.stderr


def test_the_values_in_one_file_are_bounded(tmp_path, monkeypatch):
    """The work per file is bounded: beyond the limit the file is refused, not parsed on."""
    from knowledge import document as kb_document

    monkeypatch.setattr(kb_document, "MAX_DOCUMENT_VALUES", 1000)
    with pytest.raises(KbDocumentError, match="more than 1,000 values: split the file"):
        kb_document.parse_document(("entries: [" + ", ".join(["x"] * 2000) + "]\n").encode(), "big.yml")


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_deeply_nested_file_is_refused_before_anything_is_built(demo_db, tmp_path):
    """libyaml's composer follows nesting down the C stack: a file is read event by event first."""
    document = tmp_path / "deep.json"
    document.write_text('{"city": "brussels", "entries": ' + "[" * 60 + "]" * 60 + "}")
    before = snapshot(demo_db)
    result = inclubot(demo_db, "kb", "import", str(document))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{document}: nested too deeply to be a knowledge-base file" in result.stderr
    assert snapshot(demo_db) == before


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_list_as_a_mapping_key_is_explained_not_a_crash(demo_db, tmp_path):
    """Found by bench/fuzz.py: `? [a, b]` made the import fail with a TypeError."""
    document = tmp_path / "key.yml"
    document.write_text("city: brussels\nentries: []\n? [a, b]\n: c\n")
    result = inclubot(demo_db, "kb", "import", str(document))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{document}:3: not valid YAML/JSON: a key must be a plain word, not a list or mapping" in result.stderr


# --- a knowledge base that is not there, or not set up --------------------------------------

STAFF_COMMANDS = [["kb", "export"], ["kb", "import", "entries.yml"], ["kb", "coverage"], ["kb", "load-demo"],
                  ["handoff", "list"], ["staff", "set-password", "nobody"]]


@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("command", STAFF_COMMANDS, ids=" ".join)
def test_a_mistyped_sqlite_path_is_named_and_no_empty_database_is_left_there(tmp_path, command):
    missing = tmp_path / "typo" / "inclubot.db"
    result = inclubot(f"sqlite:///{missing}", *command)
    assert result.returncode == 2
    assert f"there is no knowledge base at {missing}" in result.stderr
    assert "inclubot db upgrade" in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert not missing.exists()


@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("command", STAFF_COMMANDS, ids=" ".join)
def test_a_knowledge_base_without_its_tables_asks_for_the_upgrade(tmp_path, database_kind, command):
    url = fresh_sqlite_url(tmp_path) if database_kind == "sqlite" else fresh_postgres_url()
    if database_kind == "sqlite":
        Path(url[len("sqlite:///"):]).touch()  # a file, but no tables
    try:
        result = inclubot(url, *command)
        assert result.returncode == 2
        assert "is not set up for this version: run `inclubot db upgrade`" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    finally:
        if database_kind == "postgresql":
            drop_postgres(url)


@pytest.mark.slow  # runs the inclubot command as a process
def test_an_unreachable_database_is_named_without_its_password():
    result = inclubot("postgresql://staff:s3cret-word@127.0.0.1:1/kb", "kb", "export")
    assert result.returncode == 2
    assert "the knowledge base at postgresql://staff:***@127.0.0.1:1/kb could not be reached" in result.stderr
    assert "s3cret-word" not in result.stderr + result.stdout and "Traceback" not in result.stderr
