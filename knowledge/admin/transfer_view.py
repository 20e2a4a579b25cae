"""Import and export in the admin: a staff member uploads a spreadsheet (CSV, XLSX) or a
JSON/YAML file, sees a dry run (what would be created, changed, archived, or every problem
with its row), and confirms; the import is all or nothing, with the command line's rules
(knowledge/transfer.py). Export: one city, or one of its categories, as CSV, XLSX or JSON.

Between preview and confirmation the file waits under var/admin-uploads/ (owner-only),
named by a random token kept in the staff member's session, and is deleted once used.
"""
import hashlib
import re
import secrets
import time
from pathlib import Path
from typing import Dict, List, Optional

from flask import Response, abort, flash, redirect, request, session, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext

from bot.settings import VAR_DIR
from knowledge import private_files
from knowledge.admin.access import StaffOnly
from knowledge.admin.database import db_session
from knowledge.admin.permissions import cities_of, may_edit_city
from knowledge.document import KbDocumentError
from knowledge.taxonomy import load_taxonomy
from knowledge.transfer import EXPORT_TYPES, export_file, import_all_or_nothing, import_file, read_document

UPLOAD_DIR = VAR_DIR / "admin-uploads"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # about 8,000 entries in 12 languages as CSV
UPLOAD_URL = "/admin/transfer/preview"
SUFFIXES = (".csv", ".xlsx", ".json", ".yaml", ".yml")
PENDING_KEY = "pending_import"
KEEP_SECONDS = 24 * 3600
MAX_SHOWN_ERRORS = 500
_ERROR_LINE = re.compile(r"^(?P<file>.*?):(?P<line>\d+): (?P<message>.*)$", re.DOTALL)


def too_large_message() -> str:
    return gettext("The file is larger than %(size)s MB. Split it (for example one file per city or category) and try again.",
                   size=MAX_UPLOAD_BYTES // (1024 * 1024))


class TransferView(StaffOnly, BaseView):
    @expose("/")
    def index(self):
        return self._page()

    def _page(self, **extra):
        taxonomy = load_taxonomy()
        cities = [(c, taxonomy.cities[c].name) for c in cities_of(self.staff)]
        return self.render(
            "staff_admin/transfer.html", cities=cities, city=request.args.get("city") or (cities[0][0] if cities else ""),
            categories=list(taxonomy.categories), max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), **extra,
        )

    @expose("/export")
    def export(self):
        city = request.args.get("city") or ""
        category = request.args.get("category") or None
        file_format = request.args.get("format") or "csv"
        if city not in load_taxonomy().cities or file_format not in EXPORT_TYPES or (
                category is not None and category not in load_taxonomy().categories):
            abort(404)
        if not may_edit_city(self.staff, city):
            abort(403)
        data = export_file(db_session(), file_format, city, category)
        name = f"{city}{'-' + category if category else ''}.{file_format}"
        return Response(data, mimetype=EXPORT_TYPES[file_format],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @expose("/preview", methods=["POST"])
    def preview(self):
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(error=gettext("Choose a file first.")), 400
        name = Path(upload.filename).name
        if not name.lower().endswith(SUFFIXES):
            return self._page(error=gettext("This kind of file cannot be imported: use CSV, XLSX, JSON or YAML.")), 400
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            return self._page(error=too_large_message()), 413
        if not data:
            return self._page(error=gettext("The file is empty.")), 400
        refusal = self._refusal(data, name)
        if refusal is not None:
            return refusal
        outcome = import_all_or_nothing(db_session(), import_file, data, name, self.staff.username, dry_run=True)
        if outcome.errors:
            return self._page(file_name=name, errors=located(outcome.errors[:MAX_SHOWN_ERRORS]), error_count=len(outcome.errors)), 400
        token = _keep(data)
        session[PENDING_KEY] = {"token": token, "name": name, "sha256": hashlib.sha256(data).hexdigest()}
        return self._page(file_name=name, summary=outcome.result, archived=_archived(data, name, outcome.result))

    @expose("/confirm", methods=["POST"])
    def confirm(self):
        pending = session.pop(PENDING_KEY, None)
        data = _take(pending)
        if data is None:
            flash(gettext("There is no file waiting to be imported (it was imported already, or the session ended). Upload it again."), "error")
            return redirect(url_for(".index"))
        refusal = self._refusal(data, pending["name"])
        if refusal is not None:
            return refusal
        outcome = import_all_or_nothing(db_session(), import_file, data, pending["name"], self.staff.username, dry_run=False)
        if outcome.errors:  # the database changed since the preview
            return self._page(file_name=pending["name"], errors=located(outcome.errors[:MAX_SHOWN_ERRORS]), error_count=len(outcome.errors)), 400
        summary = outcome.result
        flash(gettext("Imported %(file)s: %(created)s created, %(updated)s changed, %(unchanged)s unchanged. The bot already uses them.",
                      file=pending["name"], created=len(summary.created), updated=len(summary.updated), unchanged=summary.unchanged), "success")
        return redirect(url_for(".index"))

    def _refusal(self, data: bytes, name: str):
        """403 when the file has entries (or a city) of a city the staff member may not edit."""
        try:
            document = read_document(data, name)
        except KbDocumentError as error:
            document = error.valid_part
        if document is None:
            return None
        cities = {record.city for record in document.entries} | {record.id for record in document.cities}
        if not all(may_edit_city(self.staff, city) for city in cities):
            abort(403)
        return None


def located(errors: List[str]) -> List[Dict[str, Optional[str]]]:
    """'file:12: entry x: phone …' -> {"row": "12", "message": "entry x: phone …"}."""
    found = []
    for error in errors:
        match = _ERROR_LINE.match(error)
        found.append({"row": match["line"], "message": match["message"]} if match else {"row": None, "message": error})
    return found


def _archived(data: bytes, name: str, summary) -> List[str]:
    """The entries the import would archive (changed, and inactive in the file)."""
    document = read_document(data, name)
    return [record.id for record in document.entries if record.id in summary.updated
            and "active" in summary.updated[record.id] and not record.active]


def _keep(data: bytes) -> str:
    folder = private_files.private_dir(UPLOAD_DIR)
    for old in folder.glob("*.upload"):  # forgotten previews
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.upload").write_bytes(data)
    return token


def _take(pending) -> Optional[bytes]:
    """The waiting file, once (it is deleted), if it is still the one previewed."""
    if not isinstance(pending, dict) or not re.fullmatch(r"[0-9a-f]{32}", str(pending.get("token", ""))):
        return None
    path = UPLOAD_DIR / f"{pending['token']}.upload"
    if not path.is_file():
        return None
    data = path.read_bytes()
    path.unlink(missing_ok=True)
    return data if hashlib.sha256(data).hexdigest() == pending.get("sha256") else None
