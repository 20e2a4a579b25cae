"""Translations as data with a status (issue 11), through the CLI and the REST channel:
the demo in all 12 languages, unreviewed drafts said once per answer, outdated when the
source changes, the status kept by export/import, and the migration of existing texts."""
import csv
import io
import json
import re

import pytest
from sqlalchemy import create_engine, text as sql

from replies.texts import text
from conftest import fresh_sqlite_url
from knowledge import queries
from knowledge.db import get_engine, session_scope
from knowledge.migrate import upgrade
from knowledge.models import DRAFT
from knowledge.taxonomy import load_taxonomy
from test_kb_import_export import inclubot, snapshot
from test_languages import QUESTIONS

LANGUAGES = list(load_taxonomy().languages)


def exported(database_url: str, *args: str) -> dict:
    result = inclubot(database_url, "kb", "export", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def coverage_rows(database_url: str, *args: str) -> dict:
    """`inclubot kb coverage` as {(city, language): {state: count}}."""
    result = inclubot(database_url, "kb", "coverage", *args)
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()[2:] if line.strip()]
    states = result.stdout.split()[2:6]
    return {(row[0], row[1]): dict(zip(states, map(int, row[2:]))) for row in lines}


# --- the demo knowledge base in 12 languages ------------------------------------------------

@pytest.mark.slow  # runs the inclubot command as a process
def test_every_demo_entry_has_a_name_and_a_description_in_all_12_languages(demo_db):
    entries = exported(demo_db)["entries"]
    assert len(entries) >= 128
    for entry in entries:
        for language in LANGUAGES:
            assert entry["name"].get(language, "").strip(), (entry["id"], language)
            assert entry["description"].get(language, "").strip(), (entry["id"], language)
            status = entry["text_status"][language]
            if status["status"] == DRAFT:  # the demo's drafts are translated from English
                assert status["translated_from"] == "en" and status["outdated"] is False


@pytest.mark.slow  # runs the inclubot command as a process
def test_every_draft_carries_the_facts_of_its_source_unchanged(demo_db):
    """A translation may reword, never change a fact: every number of the English text (a
    phone number, a short number like 112, an age, a price) is in its translation, in the
    same digits, and no number appears that the source does not have."""
    def numbers(value: str) -> list:
        return sorted(re.findall(r"\d+", re.sub(r"(?<=\d)[ .\-/](?=\d)", "", value)))

    wrong = []
    for entry in exported(demo_db)["entries"]:
        for language, status in entry["text_status"].items():
            if status["status"] != DRAFT:
                continue
            source = status["translated_from"]
            for field in ("name", "description"):
                if numbers(entry[field][language]) != numbers(entry[field][source]):
                    wrong.append((entry["id"], language, field, numbers(entry[field][source]), numbers(entry[field][language])))
    assert not wrong, wrong


@pytest.mark.slow  # runs the inclubot command as a process
def test_coverage_of_the_demo_nothing_missing_nothing_outdated(demo_db):
    rows = coverage_rows(demo_db)
    assert {city for city, _ in rows} == set(load_taxonomy().cities)
    assert {language for _, language in rows} == set(LANGUAGES)
    for (city, language), counts in rows.items():
        assert counts["missing"] == 0 and counts["outdated"] == 0, (city, language, counts)
        assert counts["translated"] + counts["unreviewed"] >= 12
    assert rows[("mechelen", "nl")]["unreviewed"] == 0  # Dutch is Mechelen's own language
    assert rows[("mechelen", "fa")]["unreviewed"] > 10
    one_city = coverage_rows(demo_db, "--city", "jelgava")
    assert set(one_city) == {("jelgava", language) for language in LANGUAGES}
    unknown = inclubot(demo_db, "kb", "coverage", "--city", "atlantis")
    assert unknown.returncode == 2 and "unknown city 'atlantis'" in unknown.stderr


# --- what the user reads ---------------------------------------------------------------

def listed_texts(db_url: str, city: str, category: str, language: str):
    """The listed entries' texts in the user's language, and whether any is a draft."""
    with session_scope(db_url) as session:
        texts = [e.texts_by_language()[language] for e in queries.services_for(session, city, category)]
        return [(t.name, t.description) for t in texts], any(t.status == DRAFT for t in texts)


@pytest.mark.parametrize("city", ["mechelen", "fuenlabrada"])
@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_an_answer_is_in_the_user_language_with_one_note(chat, session_db, city, language):
    question, category = QUESTIONS[language]
    reply = chat({"city": city}).say(question)
    texts, has_draft = listed_texts(session_db, city, category, language)
    for name, description in texts:
        assert name in reply and description in reply, f"{name!r} not in {reply!r}"
    unchecked, unverified = text("unchecked_translation", language), text("not_verified", language)
    if has_draft:
        assert reply.count(unchecked) == 1 and unverified not in reply, reply
    else:
        assert reply.count(unverified) == 1 and unchecked not in reply, reply
    missing = text("translation_missing", language, language="@").split("@")[0]
    assert missing not in reply, reply


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_changed_source_outdates_its_translations_and_the_bot_still_answers(chat, session_db, tmp_path):
    """Staff change an English text: its drafts show as outdated in coverage and export, the
    bot still answers with them (flagged as unchecked), and restoring the text undoes it."""
    city, category = "jelgava", "health"
    with session_scope(session_db) as session:
        entry = queries.services_for(session, city, category)[0]
        entry_id, english = entry.id, entry.texts_by_language()["en"]
        original = (english.name, english.description)
        arabic = entry.texts_by_language()["ar"].name
    before = coverage_rows(session_db, "--city", city)[(city, "ar")]
    change = tmp_path / "change.csv"

    def set_english(description: str) -> None:
        with open(change, "w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([
                ["id", "city", "category", "name_en", "description_en"],
                [entry_id, city, category, original[0], description],
            ])
        result = inclubot(session_db, "kb", "import", str(change))
        assert result.returncode == 0, result.stderr

    set_english(original[1] + " Bring your passport.")
    try:
        after = coverage_rows(session_db, "--city", city)[(city, "ar")]
        assert after["outdated"] == before["outdated"] + 1
        assert after["unreviewed"] == before["unreviewed"] - 1
        status = next(e for e in exported(session_db, "--city", city)["entries"] if e["id"] == entry_id)["text_status"]
        assert status["ar"]["outdated"] is True and status["ar"]["status"] == DRAFT
        assert status["en"]["outdated"] is False
        reply = chat({"city": city}).say(QUESTIONS["ar"][0].replace("عمل", "طبيب"))
        assert arabic in reply
        assert reply.count(text("unchecked_translation", "ar")) == 1
    finally:
        set_english(original[1])
    assert coverage_rows(session_db, "--city", city)[(city, "ar")] == before


# --- export / import keep the status ---------------------------------------------------------

@pytest.mark.slow  # runs the inclubot command as a process
@pytest.mark.parametrize("file_format", ["json", "yaml", "csv"])
def test_a_draft_exported_and_imported_back_stays_a_draft(demo_db, tmp_path, file_format):
    path = tmp_path / f"mechelen.{file_format}"
    assert inclubot(demo_db, "kb", "export", "--city", "mechelen", "--format", file_format, "--output", str(path)).returncode == 0
    if file_format == "csv":
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        hospital = next(row for row in rows if row["id"] == "mechelen-hospital")
        assert (hospital["status_fa"], hospital["translated_from_fa"]) == ("draft", "en")
    # Imported back, it changes nothing: every text keeps its status (the lossless round trip
    # into an empty database is test_kb_import_export.py's, statuses included).
    before = snapshot(demo_db)
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "created 0, updated 0" in result.stdout
    assert snapshot(demo_db) == before
    status = next(e for e in exported(demo_db, "--city", "mechelen")["entries"] if e["id"] == "mechelen-hospital")["text_status"]
    assert status["fa"]["status"] == DRAFT and status["fa"]["translated_from"] == "en"


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_reviewed_translation_keeps_who_reviewed_it_through_csv(demo_db, tmp_path):
    path = tmp_path / "review.csv"
    path.write_text(
        "id,city,category,name_en,status_fa,translated_from_fa,source_fingerprint_fa,reviewed_by_fa,reviewed_on_fa\n"
        "mechelen-hospital,mechelen,health,AZ Sint-Maarten (general hospital),staff,en,"
        + next(e for e in exported(demo_db, "--city", "mechelen")["entries"] if e["id"] == "mechelen-hospital")["text_status"]["fa"]["source_fingerprint"]
        + ",Amina,2026-11-30\n",
        encoding="utf-8",
    )
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "mechelen-hospital: text_status" in result.stdout
    status = next(e for e in exported(demo_db, "--city", "mechelen")["entries"] if e["id"] == "mechelen-hospital")["text_status"]["fa"]
    assert status == {"status": "staff", "translated_from": "en", "source_fingerprint": status["source_fingerprint"],
                      "reviewed_by": "Amina", "reviewed_on": "2026-11-30", "outdated": False}
    fa = coverage_rows(demo_db, "--city", "mechelen")[("mechelen", "fa")]
    assert fa["translated"] == 2  # the 112 entry (written in Farsi in the city file) and this one


BAD_STATUS = """\
city: mechelen
timezone: Europe/Brussels
entries:
  - id: mechelen-hospital
    category: health
    name: {en: AZ Sint-Maarten, fa: بیمارستان}
    text_status:
      fa: {status: approved, translated_from: fa}
      en: {status: staff, reviewed_on: 2999-01-01}
  - id: mechelen-vdab
    category: employment
    name: {en: VDAB}
    text_status:
      tr: {status: draft}
"""


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_malformed_status_is_refused_with_its_line_and_nothing_is_written(demo_db, tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text(BAD_STATUS, encoding="utf-8")
    before = snapshot(demo_db)
    result = inclubot(demo_db, "kb", "import", str(path))
    assert result.returncode == 1
    for problem in (
        "bad.yml:7: entry mechelen-hospital: text_status.fa: status 'approved' is not one of staff, imported, draft",
        "text_status.fa: translated_from 'fa' must be another language code",
        "text_status.en: reviewed_on must be a past date",
        "bad.yml:10: entry mechelen-vdab: text_status.tr: the entry has no text in 'tr'",
    ):
        assert problem in result.stderr, result.stderr
    assert snapshot(demo_db) == before


# --- the migration carries existing texts over ---------------------------------------------

def test_the_migration_gives_existing_texts_a_status(tmp_path):
    url = fresh_sqlite_url(tmp_path)
    upgrade(url, "0002")
    engine = create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(sql("INSERT INTO cities VALUES ('mechelen', 'Mechelen', 'BE', 'Europe/Brussels', '[\"nl\"]', NULL)"))
        for entry_id in ("mechelen-a", "mechelen-b"):
            connection.execute(sql(
                "INSERT INTO entries (id, city_id, category, languages_spoken, active, priority, updated_at, crisis_line) "
                f"VALUES ('{entry_id}', 'mechelen', 'health', '[]', 1, 0, '2026-01-01', 0)"))
            connection.execute(sql(f"INSERT INTO entry_texts VALUES ('{entry_id}', 'en', 'A', 'B')"))
        connection.execute(sql("INSERT INTO audit_log (at, actor, action, entry_id) VALUES ('2026-01-01', 'maria', 'update', 'mechelen-b')"))
    engine.dispose()
    upgrade(url)
    with get_engine(url).connect() as connection:
        rows = connection.execute(sql("SELECT entry_id, status, translated_from, updated_at IS NOT NULL FROM entry_texts ORDER BY entry_id")).all()
    assert [tuple(row) for row in rows] == [("mechelen-a", "imported", None, 1), ("mechelen-b", "staff", None, 1)]
    get_engine(url).dispose()
