"""The knowledge base on a real database: demo content, validation, queries, import/export."""
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from knowledge import queries
from knowledge.db import session_scope
from knowledge.document import KbDocumentError, parse_document
from knowledge.models import AuditLog, City, Entry
from knowledge.opening_hours import is_open
from knowledge.taxonomy import load_taxonomy
from knowledge.transfer import DEMO_DIR, export_all, import_file
from test_kb_import_export import inclubot  # the command as a user runs it

TAXONOMY = load_taxonomy()
DEMO_FILES = sorted(DEMO_DIR.glob("*.yml"))


# --- demo content ---------------------------------------------------------------------

def test_there_is_one_demo_file_per_city():
    assert sorted(p.stem for p in DEMO_FILES) == sorted(TAXONOMY.cities)


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.stem)
def test_demo_city_covers_every_category_in_english_and_local_languages(path):
    document = parse_document(path.read_bytes(), str(path))
    city = TAXONOMY.cities[path.stem]
    assert {e.category for e in document.entries} == set(TAXONOMY.categories)
    for entry in document.entries:
        for language in ("en", *city.local_languages):
            assert entry.name.get(language), f"{entry.id} has no name in {language}"
            assert entry.description.get(language), f"{entry.id} has no description in {language}"


# National suicide-prevention lines that have no short number (Belgium in French, Italy).
NATIONAL_CRISIS_LINES = {"0800 32 123", "02 2327 2327"}


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.stem)
def test_demo_entries_invent_nothing(path):
    """Unverified demo data: no addresses, hours, websites or e-mails; only short public
    numbers, and the few national crisis lines above."""
    for entry in parse_document(path.read_bytes(), str(path)).entries:
        assert entry.verified_on is None
        assert entry.address is None and entry.website is None and entry.email is None
        assert entry.opening_hours is None and entry.latitude is None
        if entry.phone in NATIONAL_CRISIS_LINES:
            assert entry.crisis_line, entry.id
        elif entry.phone:
            assert entry.phone.isdigit() and len(entry.phone) <= 6, entry.phone
            assert entry.source, f"{entry.id}: a phone number needs its source"


def test_every_city_has_112_as_an_emergency_number():
    for path in DEMO_FILES:
        entries = parse_document(path.read_bytes(), str(path)).entries
        assert any(e.category == "emergency" and e.phone == "112" for e in entries), path.stem


# --- validation with line numbers -------------------------------------------------------

GOOD_FILE = """\
city: mechelen
timezone: Europe/Brussels
human_contact: mechelen-test-desk
entries:
  - id: mechelen-test-desk
    category: registration
    name: {en: Test desk, nl: Testloket}
    description: {en: Helps with papers.}
    phone: "+32 15 00 00 00"
    opening_hours: {mon: ["09:00-12:00"]}
"""


def errors_of(text: str):
    with pytest.raises(KbDocumentError) as caught:
        parse_document(text.encode("utf-8") if isinstance(text, str) else text, "city.yml")
    return caught.value.errors


def test_a_valid_file_parses():
    document = parse_document(GOOD_FILE.encode(), "city.yml")
    assert [e.id for e in document.entries] == ["mechelen-test-desk"]
    assert document.cities[0].human_contact == "mechelen-test-desk"


def test_every_problem_is_reported_with_its_line():
    bad = GOOD_FILE.replace("category: registration", "category: parking") \
        .replace('"+32 15 00 00 00"', "call me") \
        .replace('["09:00-12:00"]', '["9h-12h"]')
    bad += "    colour: blue\n"
    errors = errors_of(bad)
    assert any(e.startswith("city.yml:6:") and "unknown category 'parking'" in e for e in errors)
    assert any(e.startswith("city.yml:9:") and "phone" in e for e in errors)
    assert any(e.startswith("city.yml:10:") and "opening hours" in e for e in errors)
    assert any(e.startswith("city.yml:11:") and "unknown field 'colour'" in e for e in errors)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary", "binary file"),
        ("city: mechelen\nentries: []\n".encode("utf-16"), "binary file"),
        ("city: mechelen\n# Malines \u00e9t\u00e9\n".encode("latin-1"), "not UTF-8"),
        (b"city: [unclosed\n", "not valid YAML/JSON"),
        (b"- a list\n", "expected a mapping"),
        (GOOD_FILE.replace("city: mechelen", "city: paris").encode(), "unknown city 'paris'"),
        (GOOD_FILE.replace("Europe/Brussels", "Mars/Olympus").encode(), "unknown time zone"),
        (GOOD_FILE + GOOD_FILE[GOOD_FILE.index("  - id"):], "is used twice"),
        (GOOD_FILE.replace("human_contact: mechelen-test-desk", "human_contact: nobody"), "not an entry in this file"),
    ],
    ids=["empty", "binary", "utf16", "latin1", "yaml-syntax", "not-mapping", "unknown-city",
         "bad-timezone", "duplicate-id", "dangling-contact"],
)
def test_bad_files_get_a_clear_error(content, expected):
    errors = errors_of(content)
    assert any(expected in e for e in errors), errors


# --- database: import, queries, export (SQLite and PostgreSQL) ----------------------------

def count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_demo_load_fills_every_city_and_category(demo_db):
    with session_scope(demo_db) as session:
        assert count(session, City) == 8
        for city in TAXONOMY.cities:
            for category in TAXONOMY.categories:
                assert queries.services_for(session, city, category), (city, category)
        assert count(session, AuditLog) == count(session, Entry) >= 96


def test_a_file_with_errors_changes_nothing(demo_db):
    with session_scope(demo_db) as session:
        before = json.dumps(export_all(session), default=str, sort_keys=True)
    good_update = GOOD_FILE
    broken = good_update + "  - id: mechelen-second\n    category: nonsense\n    name: {en: X}\n"
    with pytest.raises(KbDocumentError):
        with session_scope(demo_db) as session:
            import_file(session, broken.encode(), "update.yml", actor="test")
    with session_scope(demo_db) as session:
        assert json.dumps(export_all(session), default=str, sort_keys=True) == before


def test_ranking_puts_priority_then_verified_entries_first(empty_db):
    doc = """\
city: schaerbeek
timezone: Europe/Brussels
entries:
  - {id: schaerbeek-a, category: health, name: {en: A}}
  - {id: schaerbeek-b, category: health, name: {en: B}, verified_on: 2026-01-10}
  - {id: schaerbeek-c, category: health, name: {en: C}, priority: 5}
  - {id: schaerbeek-d, category: health, name: {en: D}, verified_on: 2026-05-01}
  - {id: schaerbeek-e, category: health, name: {en: E}, active: false, priority: 99}
"""
    with session_scope(empty_db) as session:
        import_file(session, doc.encode(), "s.yml", actor="test")
    with session_scope(empty_db) as session:
        ranked = [e.id for e in queries.services_for(session, "schaerbeek", "health", limit=10)]
    assert ranked == ["schaerbeek-c", "schaerbeek-d", "schaerbeek-b", "schaerbeek-a"]


def test_text_search_finds_entries_without_accents(demo_db):
    with session_scope(demo_db) as session:
        found = queries.search(session, "schaerbeek", "ou est le CPAS social")
        assert found and any("cpas" in e.id for e in found)


def test_open_now_uses_the_city_time_zone():
    hours = {"mon": ["09:00-12:00"]}
    # 07:30 UTC on a Monday is 09:30 in Riga (UTC+2 in winter) but 08:30 in Brussels.
    monday = datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc)
    assert is_open(hours, "Europe/Riga", monday) is True
    assert is_open(hours, "Europe/Brussels", monday) is False
    assert is_open(None, "Europe/Brussels", monday) is None


@pytest.mark.slow  # runs the inclubot command as a process
def test_cli_export_prints_every_entry_with_texts_per_language(demo_db):
    result = inclubot(demo_db, "kb", "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    exported = json.loads(result.stdout)
    entries = exported["entries"]
    assert len(entries) >= 96
    sample = next(e for e in entries if e["city"] == "mechelen" and e["category"] == "registration")
    assert {"id", "city", "category", "name", "description"} <= set(sample)
    assert sample["name"]["nl"] and sample["name"]["en"]


@pytest.mark.slow  # runs the inclubot command as a process
def test_cli_import_round_trip_and_clear_errors(demo_db, tmp_path):
    exported = inclubot(demo_db, "kb", "export", "--format", "json").stdout
    path = tmp_path / "kb.json"
    path.write_text(exported, encoding="utf-8")
    again = inclubot(demo_db, "kb", "import", str(path))
    assert again.returncode == 0, again.stderr
    assert "created 0, updated 0" in again.stdout

    broken = tmp_path / "broken.yml"
    broken.write_text(GOOD_FILE.replace("registration", "parking"), encoding="utf-8")
    failed = inclubot(demo_db, "kb", "import", str(broken))
    assert failed.returncode == 1
    assert "nothing was imported" in failed.stderr and f"{broken}:6:" in failed.stderr
    assert "Traceback" not in failed.stderr

    missing = inclubot(demo_db, "kb", "import", str(tmp_path / "nope.yml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


@pytest.mark.slow  # runs the inclubot command as a process
def test_cli_dry_run_changes_nothing(demo_db, tmp_path):
    path = tmp_path / "new.yml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    dry = inclubot(demo_db, "kb", "import", str(path), "--dry-run")
    assert dry.returncode == 0 and "+ mechelen-test-desk" in dry.stdout
    with session_scope(demo_db) as session:
        assert session.get(Entry, "mechelen-test-desk") is None
