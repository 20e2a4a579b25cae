"""The staff admin as city staff use it, in Debian's Chromium, in French and Latvian: an
editor lands on their city, edits the Farsi text of an entry in its tab with Save in view
(and the bot's next answer in Farsi has it), marks three entries verified at once, reads
the history (old -> new), imports a spreadsheet (a bad row refused and named, then the
corrected file previewed and imported), and turns an unanswered question into an entry.

Screenshots: tests/artifacts/admin/*.png.
"""
import io
import zipfile
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from conftest import ARTIFACTS, fresh_sqlite_url
from knowledge.db import get_engine, session_scope
from knowledge.migrate import upgrade
from knowledge.models import AuditLog, Entry, StaffUser, UnansweredQuestion
from knowledge.transfer import load_demo
from test_admin import COORDINATOR, PASSWORD, Staff, create_account, create_coordinator, form_fields, logged_in, start_admin
from widget_browser import DESKTOP, ChromiumSession

SHOTS = ARTIFACTS / "admin"
MECHELEN_EDITOR = "editeur-mechelen@city.example"  # works in French (the browser's language)
JELGAVA_EDITOR = "redaktors-jelgava@city.example"  # chooses Latvian on their account


@pytest.fixture(scope="module")
def browser():
    session = ChromiumSession()
    yield session.browser
    session.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The admin on its own demo knowledge base, with a coordinator and two city editors."""
    url = fresh_sqlite_url(tmp_path_factory.mktemp("admin-browser"))
    upgrade(url)
    with session_scope(url) as session:
        load_demo(session)
    create_coordinator(url, COORDINATOR)
    server = start_admin(url, tmp_path_factory.mktemp("admin-browser-logs"))
    try:
        coordinator = logged_in(server.base_url, COORDINATOR)
        create_account(coordinator, MECHELEN_EDITOR, "editor", "mechelen")
        create_account(coordinator, JELGAVA_EDITOR, "editor", "jelgava")
        server.db = url
        yield server
    finally:
        server.stop()
        get_engine(url).dispose()


def open_admin(browser, base_url: str, username: str, language: str) -> Page:
    """A fresh browser whose language is `language`, logged in as `username`."""
    context = browser.new_context(viewport=DESKTOP, locale=language, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    page.goto(f"{base_url}/admin/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def shot(page: Page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def in_view(page: Page, selector: str) -> bool:
    """The element is on screen as the page is scrolled now (not below or above the window)."""
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def entry(db: str, entry_id: str) -> Entry:
    with session_scope(db) as session:
        found = session.get(Entry, entry_id)
        found.texts_by_language()  # loaded before the session closes
        return found


# --- language and home ----------------------------------------------------------------

def test_an_editor_lands_on_their_city_in_the_browsers_language(browser, site):
    page = open_admin(browser, site.base_url, MECHELEN_EDITOR, "fr-BE")
    try:
        expect(page.locator("#city-heading")).to_have_text("Mechelen")
        assert page.title() == "Accueil - IncluBot – personnel"
        expect(page.locator("#attention")).to_contain_text("Jamais vérifiées")
        expect(page.locator("#categories")).to_contain_text("Soins de santé")  # the bot's own category name
        # one click from "needs attention" to the work: the entries not verified for six months
        page.click("#attention-stale")
        expect(page.locator("#stale-entries")).to_contain_text("mechelen-town-hall")
        expect(page.locator("#stale-entries")).not_to_contain_text("jelgava")
        page.go_back()
        shot(page, "home-fr")
    finally:
        page.context.close()


def test_a_coordinator_picks_a_city_and_lands_on_it_next_time(browser, site):
    page = open_admin(browser, site.base_url, COORDINATOR, "es")
    try:
        page.select_option("#city", "fuenlabrada")
        page.click("#city-choice button")
        expect(page.locator("#city-heading")).to_have_text("Fuenlabrada")
        page.goto(f"{site.base_url}/admin/")
        expect(page.locator("#city-heading")).to_have_text("Fuenlabrada")  # remembered on the account
        expect(page.locator("#attention")).to_contain_text("Nunca verificadas")
    finally:
        page.context.close()


def test_the_account_language_wins_over_the_browsers(browser, site):
    page = open_admin(browser, site.base_url, JELGAVA_EDITOR, "en")
    try:
        expect(page.locator("#attention")).to_contain_text("Never verified")
        page.goto(f"{site.base_url}/admin/account/")
        page.select_option("#admin_language", "lv")
        page.click("form[action$='/language/'] button")
        expect(page.locator(".alert-success")).to_contain_text("Šo lapu valoda ir saglabāta")
        page.goto(f"{site.base_url}/admin/")
        expect(page.locator("#city-heading")).to_have_text("Jelgava")
        expect(page.locator("#attention")).to_contain_text("Nekad nav pārbaudīti")
        assert page.title() == "Sākums - IncluBot – darbinieki"
        shot(page, "home-lv")
    finally:
        page.context.close()
    with session_scope(site.db) as session:
        account = session.execute(select(StaffUser).filter_by(username=JELGAVA_EDITOR)).scalar_one()
        assert account.admin_language == "lv"


# --- verification and history, in Latvian ------------------------------------------------

def test_three_entries_verified_at_once_and_the_history_shows_old_and_new(browser, site):
    with session_scope(site.db) as session:
        stale = sorted(e.id for e in session.execute(select(Entry).where(Entry.city_id == "jelgava")).scalars())[:3]
        for entry_id in stale:
            session.get(Entry, entry_id).verified_on = date.today() - timedelta(days=400)
    page = open_admin(browser, site.base_url, JELGAVA_EDITOR, "lv")  # Latvian chosen on the account above
    try:
        page.goto(f"{site.base_url}/admin/stale/")
        for entry_id in stale:
            page.check(f"#tick-{entry_id}")
        shot(page, "stale-ticked-lv")
        page.click("#verify-selected")
        expect(page.locator(".alert-success")).to_contain_text("3 ieraksti atzīmēti kā šodien pārbaudīti")
        for entry_id in stale:
            expect(page.locator("#stale-entries")).not_to_contain_text(entry_id)
        # an edit, and its history on the entry's page: who, when (the city's time), old -> new
        page.goto(f"{site.base_url}/admin/entry/edit/?id={stale[0]}")
        old_phone = page.input_value("#phone")
        page.fill("#phone", "+371 63 005 500")
        page.click("#save")
        expect(page.locator("#saved")).to_contain_text("Tālrunis")
        history = page.locator("#entry-history tbody tr").first
        expect(history).to_contain_text(JELGAVA_EDITOR)
        expect(history.locator(".change-new")).to_have_text("+371 63 005 500")
        expect(history.locator(".change-old")).to_have_text(old_phone or "—")
        page.locator("#entry-history").scroll_into_view_if_needed()
        shot(page, "entry-history-lv")
    finally:
        page.context.close()
    with session_scope(site.db) as session:
        assert all(session.get(Entry, entry_id).verified_on == date.today() for entry_id in stale)
        verified = session.execute(select(AuditLog).where(AuditLog.action == "verify", AuditLog.entry_id.in_(stale))).scalars().all()
        assert {row.entry_id for row in verified} == set(stale) and {row.actor for row in verified} == {JELGAVA_EDITOR}
        edited_at = session.execute(select(AuditLog).where(AuditLog.entry_id == stale[0]).order_by(AuditLog.id.desc())).scalars().first().at
    # the coordinator's audit log reads the same, to the minute in Riga's time
    page = open_admin(browser, site.base_url, COORDINATOR, "lv")
    try:
        page.goto(f"{site.base_url}/admin/audit/?search={stale[0]}")
        row = page.locator("table tbody tr").first
        expect(row.locator(".change-new")).to_have_text("+371 63 005 500")
        riga = edited_at.replace(tzinfo=edited_at.tzinfo or timezone.utc).astimezone(ZoneInfo("Europe/Riga"))
        expect(row).to_contain_text(riga.strftime("%H:%M"))
        shot(page, "audit-log-lv")
    finally:
        page.context.close()


# --- import and export, in French ------------------------------------------------------

def mechelen_workbook(site) -> Workbook:
    """Mechelen's entries exported as XLSX by the editor (over HTTP, as a download)."""
    editor = Staff(site.base_url)
    assert editor.log_in(MECHELEN_EDITOR, PASSWORD).status_code == 302
    response = editor.get("transfer/export?city=mechelen&format=xlsx")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/vnd.openxml")
    return load_workbook(io.BytesIO(response.content))


def set_cell(workbook: Workbook, entry_id: str, column: str, value: str) -> int:
    """Changes one cell; returns the sheet's row number of the entry."""
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == entry_id:
            row[header.index(column)].value = value
            return row[0].row
    raise AssertionError(f"{entry_id} is not in the export")


def as_file(workbook: Workbook, path) -> str:
    workbook.save(path)
    return str(path)


def test_an_xlsx_import_with_a_bad_row_is_refused_then_the_corrected_file_imported(browser, site, tmp_path):
    workbook = mechelen_workbook(site)
    good_phone = "+32 15 29 77 00"
    set_cell(workbook, "mechelen-hospital", "phone", good_phone)
    bad_row = set_cell(workbook, "mechelen-legal-aid", "website", "www.example")
    before = (entry(site.db, "mechelen-hospital").phone, entry(site.db, "mechelen-legal-aid").website)
    page = open_admin(browser, site.base_url, MECHELEN_EDITOR, "fr")
    try:
        page.goto(f"{site.base_url}/admin/transfer/")
        page.set_input_files("#file", as_file(workbook, tmp_path / "malines.xlsx"))
        page.click("#preview-import")
        expect(page.locator("#import-refused")).to_contain_text("malines.xlsx ne peut pas être importé : 1 problème")
        problem = page.locator("#import-errors tbody tr")
        expect(problem).to_have_count(1)
        expect(problem.locator("td").first).to_have_text(str(bad_row))
        expect(problem).to_contain_text("website 'www.example' is not valid")
        shot(page, "import-refused-fr")
        assert (entry(site.db, "mechelen-hospital").phone, entry(site.db, "mechelen-legal-aid").website) == before

        set_cell(workbook, "mechelen-legal-aid", "website", "https://www.bjb.be")
        page.set_input_files("#file", as_file(workbook, tmp_path / "malines.xlsx"))
        page.click("#preview-import")
        expect(page.locator("#preview-updated")).to_contain_text("Modifiées : 2")
        expect(page.locator("#preview-updated")).to_contain_text("mechelen-hospital: phone")
        shot(page, "import-preview-fr")
        assert entry(site.db, "mechelen-hospital").phone == before[0]  # a preview changes nothing
        page.click("#confirm-import")
        expect(page.locator(".alert-success")).to_contain_text("0 créées, 2 modifiées")
        shot(page, "import-done-fr")
    finally:
        page.context.close()
    assert entry(site.db, "mechelen-hospital").phone == good_phone
    assert entry(site.db, "mechelen-legal-aid").website == "https://www.bjb.be"


def test_a_file_over_the_size_limit_is_refused_with_a_message(site):
    editor = Staff(site.base_url)
    editor.log_in(MECHELEN_EDITOR, PASSWORD)
    response = editor.http.post(editor.url("transfer/preview"), data={"csrf_token": editor.token()},
                                files={"file": ("huge.csv", b"x" * (11 * 1024 * 1024))}, headers={"Accept-Language": "fr"}, timeout=60)
    assert response.status_code == 413
    assert "Le fichier dépasse 10 Mo" in response.text


# --- who may import, export and verify -----------------------------------------------------

def test_an_editor_cannot_import_export_or_verify_another_citys_entries(site):
    editor = Staff(site.base_url)
    assert editor.log_in(MECHELEN_EDITOR, PASSWORD).status_code == 302
    assert editor.get("transfer/export?city=jelgava&format=csv").status_code == 403
    assert editor.get("transfer/export?city=jelgava&category=health&format=xlsx").status_code == 403
    assert editor.get("translations/for-translator?city=jelgava&language=fa&source=en").status_code == 403
    # a spreadsheet with a Jelgava entry: refused before anything is checked or written
    coordinator = Staff(site.base_url)
    coordinator.log_in(COORDINATOR, PASSWORD)
    exported = coordinator.get("transfer/export?city=jelgava&format=csv").content.decode("utf-8-sig")
    changed = exported.replace("Latvia", "Latvija").encode()
    refused = editor.http.post(editor.url("transfer/preview"), data={"csrf_token": editor.token()},
                               files={"file": ("jelgava.csv", changed)}, timeout=60)
    assert refused.status_code == 403
    jelgava_entry = "jelgava-emergency-112"
    before = entry(site.db, jelgava_entry).verified_on
    verify = editor.post("entry/action/", {"action": "verify", "rowid": jelgava_entry, "url": "/admin/stale/"})
    assert verify.status_code == 403 and entry(site.db, jelgava_entry).verified_on == before


# --- from a question to an answer ------------------------------------------------------------

def test_create_an_entry_from_an_unanswered_question(browser, site):
    now = datetime.now(timezone.utc)
    with session_scope(site.db) as session:
        for text in ("où trouver un dentiste pas cher", "où trouver un dentiste pas cher ?", "un dentiste pas cher à malines"):
            session.add(UnansweredQuestion(asked_at=now, city_id="mechelen", language="fr", text=text, intent="health", confidence=0.3))
    page = open_admin(browser, site.base_url, MECHELEN_EDITOR, "fr")
    try:
        page.goto(f"{site.base_url}/admin/unanswered/")
        row = page.locator("#unanswered-groups tbody tr", has_text="dentiste").first
        row.get_by_role("link", name="Créer une fiche à partir de ceci").click()
        expect(page.locator("#city")).to_have_value("mechelen")
        expect(page.locator("#category")).to_have_value("health")
        expect(page.locator("#category option:checked")).to_have_text("Soins de santé")
        shot(page, "create-from-question-fr")
    finally:
        page.context.close()


# --- the Farsi text, edited in its tab, in the bot's next answer -----------------------------

def test_an_edit_of_the_farsi_text_in_its_tab_is_in_the_bots_next_answer(browser, rasa_server, session_db, chat, tmp_path):
    """On the servers' own knowledge base (restored afterwards): the editor opens the Farsi
    tab, sees the English source beside it, changes the name, saves with the button in view."""
    username = "editeur-fa@city.example"
    coordinator_name = f"coord-fa-{datetime.now().strftime('%H%M%S%f')}@city.example"
    create_coordinator(session_db, coordinator_name)
    server = start_admin(session_db, tmp_path)
    coordinator = logged_in(server.base_url, coordinator_name)
    create_account(coordinator, username, "editor", "mechelen")
    original = form_fields(coordinator.get("entry/edit/?id=mechelen-town-hall").text)
    status = text_status(session_db, "mechelen-town-hall", "fa")
    new_name = "شهرداری مخلن – امور شهروندی (ثبت نشانی)"
    user = chat({"city": "mechelen", "language": "fa"})
    page = open_admin(browser, server.base_url, username, "fr")
    try:
        assert new_name not in user.say("/registration")
        page.goto(f"{server.base_url}/admin/entry/edit/?id=mechelen-town-hall")
        page.click("#tab-fa")
        expect(page.locator("#pane-fa")).to_be_visible()
        expect(page.locator("#tab-fa [data-marker]")).to_have_text("brouillon")
        expect(page.locator("#source-name-fa")).to_have_text(entry(session_db, "mechelen-town-hall").texts_by_language()["en"].name)
        page.locator("#name_fa").scroll_into_view_if_needed()
        page.fill("#name_fa", new_name)
        assert in_view(page, "#save"), "Save must stay in view while editing a text"
        shot(page, "entry-farsi-tab-fr")
        page.click("#save")
        expect(page.locator("#saved")).to_contain_text("Enregistré. Le bot l'utilise déjà.")
        expect(page.locator("#saved .change-new")).to_have_text(new_name)
        expect(page.locator("#language-tabs .nav-link.active")).to_have_attribute("data-language", "fa")  # back on the tab
        shot(page, "entry-saved-fr")
        answer = user.say("/registration")
        assert new_name in answer, answer
    finally:
        page.context.close()
        coordinator.post("entry/edit/?id=mechelen-town-hall", original)
        server.stop()
        restore_text_status(session_db, "mechelen-town-hall", "fa", status)  # a draft again, for the other tests
    assert entry(session_db, "mechelen-town-hall").texts_by_language()["fa"].name == original["name_fa"]


STATUS_COLUMNS = ("status", "translated_from", "source_fingerprint", "reviewed_by", "reviewed_on")


def text_status(db: str, entry_id: str, language: str) -> dict:
    with session_scope(db) as session:
        text = session.get(Entry, entry_id).texts_by_language()[language]
        return {name: getattr(text, name) for name in STATUS_COLUMNS}


def restore_text_status(db: str, entry_id: str, language: str, status: dict) -> None:
    with session_scope(db) as session:
        text = session.get(Entry, entry_id).texts_by_language()[language]
        for name, value in status.items():
            setattr(text, name, value)


# --- asked before anything is archived or deleted ------------------------------------------

def test_archiving_and_deleting_are_asked_first_in_the_staff_members_language(browser, site):
    page = open_admin(browser, site.base_url, COORDINATOR, "fr")
    questions, blocked = [], []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    try:
        page.goto(f"{site.base_url}/admin/entry/edit/?id=mechelen-hospital")
        page.uncheck("#active")
        page.click("#save")
        assert questions == ["Archiver cette fiche ? Le bot ne l'affichera plus."]
        assert entry(site.db, "mechelen-hospital").active  # dismissed: nothing saved
        page.goto(f"{site.base_url}/admin/staff/")
        row = page.locator("table tbody tr", has_text=JELGAVA_EDITOR)
        row.locator("form button").click()
        assert questions[-1] == "Êtes-vous bien sûr de vouloir  supprimer cet objet?" and not blocked, blocked
    finally:
        page.context.close()
    with session_scope(site.db) as session:
        assert session.execute(select(StaffUser).filter_by(username=JELGAVA_EDITOR)).scalar_one_or_none() is not None


def test_a_damaged_or_oversized_workbook_is_refused_with_a_message_and_nothing_written(site, tmp_path):
    editor = Staff(site.base_url)
    editor.log_in(MECHELEN_EDITOR, PASSWORD)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive, archive.open("xl/sharedStrings.xml", "w") as member:
        for _ in range(201):
            member.write(bytes(1024 * 1024))  # 201 MB of zeros: a few hundred kB zipped
    audit_rows = count_audit_rows(site.db)
    for name, data, message in (
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "not an Excel workbook (.xlsx)"),
        ("bomb.xlsx", bomb.read_bytes(), "unpacks to more than 200 MB"),
        ("empty.csv", b"", "Le fichier est vide."),
        ("photo.png", b"\x89PNG", "Ce type de fichier ne peut pas être importé"),
    ):
        response = editor.http.post(editor.url("transfer/preview"), data={"csrf_token": editor.token()},
                                    files={"file": (name, data)}, headers={"Accept-Language": "fr"}, timeout=60)
        assert response.status_code == 400 and message in response.text.replace("&#39;", "'"), (name, response.text[-800:])
    assert count_audit_rows(site.db) == audit_rows


def count_audit_rows(db: str) -> int:
    with session_scope(db) as session:
        return len(session.execute(select(AuditLog.id)).all())


def test_opening_hours_are_picked_day_by_day_and_checked(browser, site):
    page = open_admin(browser, site.base_url, MECHELEN_EDITOR, "fr")
    try:
        page.goto(f"{site.base_url}/admin/entry/edit/?id=mechelen-kind-en-gezin")
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            page.fill(f"#hours_{day}", "")
        page.fill("#hours-mon-from", "12:00")
        page.fill("#hours-mon-to", "09:00")
        page.click("#hours-mon-add")
        expect(page.locator(".hours-picker [role=alert]").first).to_have_text(
            "Indiquez une heure d'ouverture et une heure de fermeture, la fermeture après l'ouverture.")
        expect(page.locator("#hours_mon")).to_have_value("")
        for start, end in (("09:00", "12:00"), ("13:00", "16:30")):
            page.fill("#hours-mon-from", start)
            page.fill("#hours-mon-to", end)
            page.click("#hours-mon-add")
        expect(page.locator("#hours_mon")).to_have_value("09:00-12:00, 13:00-16:30")
        page.click("#hours-sun-closed")
        page.locator("#hours_mon").scroll_into_view_if_needed()
        shot(page, "opening-hours-fr")
        page.click("#save")
        expect(page.locator("#saved")).to_contain_text("Heures d'ouverture")
    finally:
        page.context.close()
    assert entry(site.db, "mechelen-kind-en-gezin").opening_hours == {"mon": ["09:00-12:00", "13:00-16:30"], "sun": []}
