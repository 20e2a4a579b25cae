"""Crisis lines: entries marked `crisis_line`, which the bot lists when someone writes about
suicide. The demo knowledge base has one in every city; the flag survives export and
import, a wrong value is refused with its line, and the migration adds it to an existing
knowledge base (SQLite, and PostgreSQL when configured)."""
import pytest
from alembic import command
from sqlalchemy import select, text

from conftest import DATABASE_KINDS, drop_postgres, fresh_postgres_url, fresh_sqlite_url
from knowledge import queries
from knowledge.db import get_engine, session_scope
from knowledge.document import CityRecord, KbDocument
from knowledge.migrate import alembic_config, upgrade
from knowledge.models import Entry
from knowledge.taxonomy import load_taxonomy
from knowledge.transfer import export_all, import_document
from test_kb_import_export import inclubot, snapshot  # the CLI and the knowledge base as a user sees them

TAXONOMY = load_taxonomy()

# A crisis line, an entry that is not one, and two crisis lines the query leaves out.
CRISIS_ENTRIES = """\
city: schaerbeek
timezone: Europe/Brussels
entries:
  - id: schaerbeek-test-crisis-line
    category: health
    name: {en: "Test crisis line, \\"24/7\\"", fr: Ligne de crise}
    phone: "+32 2 000 00 01"
    priority: 50
    crisis_line: true
  - id: schaerbeek-test-not-a-crisis-line
    category: mental_health
    name: {en: Not a crisis line}
    phone: "+32 2 000 00 02"
    priority: 99
    crisis_line: false
  - id: schaerbeek-test-archived-crisis-line
    category: mental_health
    name: {en: Archived crisis line}
    phone: "+32 2 000 00 03"
    active: false
    priority: 99
    crisis_line: true
  - id: schaerbeek-test-crisis-line-without-phone
    category: mental_health
    name: {en: Crisis line without a phone}
    priority: 99
    crisis_line: true
"""


def crisis_flags(database_url: str) -> dict:
    with session_scope(database_url) as session:
        return dict(session.execute(select(Entry.id, Entry.crisis_line)).all())


# --- the demo knowledge base --------------------------------------------------------------

def test_every_demo_city_has_a_crisis_line_with_a_phone(demo_db):
    with session_scope(demo_db) as session:
        for city in TAXONOMY.cities:
            lines = queries.crisis_lines(session, city)
            assert lines, f"{city} has no crisis line"
            for entry in lines:
                assert entry.crisis_line and entry.active and entry.phone, entry.id
                assert entry.city_id == city
        # the dedicated suicide-prevention lines are among them
        phones = {city: {e.phone for e in queries.crisis_lines(session, city)} for city in TAXONOMY.cities}
    assert "3114" in phones["saint-jean-de-la-ruelle"] and "024" in phones["fuenlabrada"]
    assert "116123" in phones["jelgava"] and "1018" in phones["livadia"]
    assert "02 2327 2327" in phones["partinico"] and "1813" in phones["mechelen"]
    assert {"1813", "0800 32 123", "107"} <= phones["brussels"]
    assert {"1813", "0800 32 123", "107", "106"} <= phones["schaerbeek"]


@pytest.mark.slow  # runs the inclubot command as a process
def test_crisis_lines_are_active_flagged_entries_with_a_phone_best_first(demo_db, tmp_path):
    path = tmp_path / "crisis.yml"
    path.write_text(CRISIS_ENTRIES, encoding="utf-8")
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr
    with session_scope(demo_db) as session:
        ids = [e.id for e in queries.crisis_lines(session, "schaerbeek")]
        demo_ids = [e.id for e in queries.crisis_lines(session, "mechelen")]
        by_priority = [(e.priority, e.id) for e in queries.crisis_lines(session, "schaerbeek")]
    assert ids[0] == "schaerbeek-test-crisis-line"  # priority 50, whatever its category
    assert "schaerbeek-test-not-a-crisis-line" not in ids
    assert "schaerbeek-test-archived-crisis-line" not in ids
    assert "schaerbeek-test-crisis-line-without-phone" not in ids
    assert by_priority == sorted(by_priority, key=lambda p: (-p[0], p[1]))  # unverified: priority, then id
    assert "schaerbeek-test-crisis-line" not in demo_ids  # one city's lines only


@pytest.mark.slow  # runs the inclubot command as a process
def test_an_entry_without_the_field_is_not_a_crisis_line(empty_db, tmp_path):
    path = tmp_path / "plain.yml"
    path.write_text("city: mechelen\ntimezone: Europe/Brussels\nentries:\n"
                    "  - {id: mechelen-plain, category: health, name: {en: Plain}, phone: '112'}\n", encoding="utf-8")
    assert inclubot(empty_db, "kb", "import", str(path)).returncode == 0
    assert crisis_flags(empty_db) == {"mechelen-plain": False}
    with session_scope(empty_db) as session:
        assert queries.crisis_lines(session, "mechelen") == []


# --- export -> import keeps the flag --------------------------------------------------------

@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("file_format", ["json", "yaml", "csv"])
def test_export_then_import_keeps_the_crisis_line_flag(demo_db, second_db, tmp_path, file_format):
    path = tmp_path / "crisis.yml"
    path.write_text(CRISIS_ENTRIES, encoding="utf-8")
    assert inclubot(demo_db, "kb", "import", str(path)).returncode == 0
    exported = tmp_path / f"kb.{file_format}"
    result = inclubot(demo_db, "kb", "export", "--format", file_format, "--output", str(exported))
    assert result.returncode == 0, result.stderr
    if file_format == "csv":  # a spreadsheet holds entries only: the cities must be there already
        assert "crisis_line" in exported.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        with session_scope(demo_db) as session:
            cities = [CityRecord(c["id"], c["timezone"], c["human_contact"]) for c in export_all(session)["cities"]]
        with session_scope(second_db) as session:
            import_document(session, KbDocument(cities=cities, entries=[]), actor="test setup")
    imported = inclubot(second_db, "kb", "import", str(exported))
    assert imported.returncode == 0, imported.stderr
    flags = crisis_flags(second_db)
    assert flags == crisis_flags(demo_db)
    assert flags["schaerbeek-test-crisis-line"] is True and flags["schaerbeek-test-not-a-crisis-line"] is False
    assert flags["fuenlabrada-suicide-prevention-024"] is True and flags["fuenlabrada-town-hall"] is False
    assert snapshot(second_db) == snapshot(demo_db)


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_spreadsheet_without_the_column_leaves_the_flag_as_it_is(demo_db, tmp_path):
    path = tmp_path / "phones.csv"
    path.write_text("id,city,category,name_en,phone\n"
                    "fuenlabrada-suicide-prevention-024,fuenlabrada,mental_health,Suicide prevention line – 024,024\n"
                    "fuenlabrada-new,fuenlabrada,health,New clinic,\n", encoding="utf-8")
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr
    flags = crisis_flags(demo_db)
    assert flags["fuenlabrada-suicide-prevention-024"] is True and flags["fuenlabrada-new"] is False


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_spreadsheet_sets_and_clears_the_flag(demo_db, tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text("id,city,category,name_en,phone,crisis_line\n"
                    "mechelen-test-line,mechelen,mental_health,Test line,+32 15 00 00 00,yes\n"
                    "mechelen-tele-onthaal-106,mechelen,mental_health,Tele-Onthaal 106 – listening line (Dutch),106,false\n"
                    "mechelen-test-empty,mechelen,health,Empty cell,,\n", encoding="utf-8")
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr
    flags = crisis_flags(demo_db)
    assert (flags["mechelen-test-line"], flags["mechelen-tele-onthaal-106"], flags["mechelen-test-empty"]) == (True, False, False)


# --- a wrong value is refused, with the entry and the line ----------------------------------

BAD_FILES = {
    "bad.yml": (
        "city: schaerbeek\n"
        "timezone: Europe/Brussels\n"
        "entries:\n"
        "  - id: schaerbeek-bad-line\n"
        "    category: mental_health\n"
        "    name: {en: Bad line}\n"
        "    phone: '107'\n"
        "    crisis_line: maybe\n",  # 8
        "bad.yml:8: entry schaerbeek-bad-line: crisis_line must be true or false",
    ),
    "bad.json": (
        '{"cities": [{"id": "schaerbeek", "timezone": "Europe/Brussels"}],\n'
        ' "entries": [\n'
        '  {"id": "schaerbeek-bad-line", "city": "schaerbeek", "category": "mental_health",\n'
        '   "name": {"en": "Bad line"},\n'
        '   "crisis_line": "true"}\n'  # 5: a string, not a boolean
        ' ]}\n',
        "bad.json:5: entry schaerbeek-bad-line: crisis_line must be true or false",
    ),
    "bad.csv": (
        "id,city,category,name_en,phone,crisis_line\n"
        "schaerbeek-bad-line,schaerbeek,mental_health,Bad line,107,perhaps\n",
        "bad.csv:2: entry schaerbeek-bad-line: crisis_line must be true or false",
    ),
}


@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("filename", sorted(BAD_FILES))
def test_a_crisis_line_that_is_not_true_or_false_is_refused(demo_db, tmp_path, filename):
    content, expected = BAD_FILES[filename]
    path = tmp_path / filename
    path.write_text(content, encoding="utf-8")
    before = snapshot(demo_db)
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 1
    reported = result.stderr.replace(str(tmp_path) + "/", "")
    assert expected in reported, reported
    assert "Traceback" not in result.stderr
    assert snapshot(demo_db) == before


# --- the migration --------------------------------------------------------------------------

@pytest.fixture(params=DATABASE_KINDS)
def database_at_0001(request, tmp_path):
    """A knowledge base created at revision 0001 (before crisis_line), with entries."""
    url = fresh_sqlite_url(tmp_path) if request.param == "sqlite" else fresh_postgres_url()
    upgrade(url, "0001")
    with get_engine(url).begin() as connection:
        connection.execute(text(
            "INSERT INTO cities (id, name, country, timezone, local_languages) "
            "VALUES ('mechelen', 'Mechelen', 'BE', 'Europe/Brussels', '[\"nl\"]')"
        ))
        for entry_id, active in (("mechelen-old-a", True), ("mechelen-old-b", False)):
            connection.execute(text(
                "INSERT INTO entries (id, city_id, category, phone, languages_spoken, active, priority, updated_at) "
                "VALUES (:id, 'mechelen', 'mental_health', '106', '[]', :active, 10, :now)"
            ), {"id": entry_id, "active": active, "now": "2026-01-01 00:00:00"})
            connection.execute(text(
                "INSERT INTO entry_texts (entry_id, language, name, description) VALUES (:id, 'en', :name, '')"
            ), {"id": entry_id, "name": f"Old entry {entry_id}"})
    yield url
    if request.param == "postgresql":
        drop_postgres(url)
    else:
        get_engine(url).dispose()


@pytest.mark.slow  # runs the inclubot command as a process
def test_the_migration_adds_the_flag_false_to_existing_entries(database_at_0001, tmp_path):
    upgrade(database_at_0001)
    with session_scope(database_at_0001) as session:
        entries = session.execute(select(Entry).order_by(Entry.id)).scalars().all()
        assert [(e.id, e.crisis_line, e.active) for e in entries] == [
            ("mechelen-old-a", False, True), ("mechelen-old-b", False, False),
        ]
        assert [t.name for e in entries for t in e.texts] == ["Old entry mechelen-old-a", "Old entry mechelen-old-b"]
        assert queries.crisis_lines(session, "mechelen") == []
        # the upgraded database takes the flag like a new one
        session.get(Entry, "mechelen-old-a").crisis_line = True
    with session_scope(database_at_0001) as session:
        assert [e.id for e in queries.crisis_lines(session, "mechelen")] == ["mechelen-old-a"]
    # ... and an import into it works as into a new one
    path = tmp_path / "line.yml"
    path.write_text("city: mechelen\ntimezone: Europe/Brussels\nentries:\n"
                    "  - {id: mechelen-new-line, category: mental_health, name: {en: New line, nl: Nieuwe lijn},"
                    " phone: '1813', crisis_line: true}\n", encoding="utf-8")
    result = inclubot(database_at_0001, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert crisis_flags(database_at_0001) == {"mechelen-old-a": True, "mechelen-old-b": False, "mechelen-new-line": True}


def test_the_migration_downgrades_without_losing_entries_or_their_texts(database_at_0001):
    upgrade(database_at_0001)
    command.downgrade(alembic_config(database_at_0001), "0001")
    with get_engine(database_at_0001).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM entries")).scalar_one() == 2
        assert connection.execute(text("SELECT count(*) FROM entry_texts")).scalar_one() == 2
    upgrade(database_at_0001)  # and up again
    assert crisis_flags(database_at_0001) == {"mechelen-old-a": False, "mechelen-old-b": False}
