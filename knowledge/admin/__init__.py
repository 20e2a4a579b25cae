"""The staff admin at /admin: Flask-Admin views on the knowledge base.

`init_admin(app)` adds it to the project's web app (web/app.py). Staff log in with an
account made by `inclubot staff create-coordinator` (the first) or by a coordinator.
"""
import re
from dataclasses import dataclass

from flask import Blueprint, Flask, abort, render_template, request, url_for
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_sqlalchemy import SQLAlchemy
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from knowledge.admin import change_list, content_policy, sessions
from knowledge.admin.audit_view import AuditView
from knowledge.admin.client_address import trusted_proxies
from knowledge.admin.database import init_database
from knowledge.admin.entry_view import EntryView
from knowledge.admin.home_view import HomeView
from knowledge.admin.inbox_view import InboxView
from knowledge.admin.insights_view import CATEGORY, QuestionsView, StaleView, UnansweredView
from knowledge.admin.locale import TRANSLATIONS_DIR, init_babel
from knowledge.admin.login_limiter import LoginLimiter
from knowledge.admin.secret_key import load_secret_key
from knowledge.admin.staff_view import StaffView
from knowledge.admin.transfer_view import MAX_UPLOAD_BYTES, UPLOAD_URL, TransferView, too_large_message
from knowledge.admin.translations_view import TranslationsView

URL = "/admin"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
RETURN_ADDRESS_FIELDS = ("url", "next")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_REQUEST_BYTES = 1024 * 1024  # the largest form is an entry in 12 languages: a few kB
# Longer addresses are refused: redirects (to the log-in page, "next=…") would carry them
# in a header no browser accepts.
MAX_URL_CHARS = 8 * 1024
UPLOAD_FORM_MARGIN = 64 * 1024  # the upload form's other fields and the multipart framing
ERROR_TEXTS = {
    400: _l("This request cannot be used (it has characters no form can send). Go back and try again."),
    413: _l("This form is too large to be sent (more than 1 MB). Shorten what you wrote and try again."),
    414: _l("This address is too long. Go back and try again."),
    401: _l("Please log in first."),
    403: _l("Your account does not give access to this page or entry."),
    404: _l("There is no such page."),
    405: _l("This page cannot be used like that."),
}


@dataclass
class AdminState:
    db: SQLAlchemy
    limiter: LoginLimiter


def init_admin(app: Flask) -> Admin:
    app.secret_key = app.secret_key or load_secret_key()
    trusted_proxies()  # a wrong INCLUBOT_TRUSTED_PROXIES stops the start with a message
    sessions.configure(app)
    # CSRF is checked for every change under /admin (below), not for the rest of the app.
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)  # lives as long as the session
    # Bodies beyond this are refused with 413 before anything reads them (a 50 MB
    # "password" was hashed).
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    csrf = CSRFProtect(app)
    db = init_database(app)
    app.extensions["staff_admin"] = AdminState(db=db, limiter=LoginLimiter())
    app.register_blueprint(Blueprint(
        "staff_admin_templates", __name__, template_folder="templates",
        static_folder="static", static_url_path=f"{URL}/staff-static",  # the editor's small script
    ))
    app.jinja_env.globals["current_staff"] = sessions.current_staff
    init_babel(app, sessions.current_staff)
    app.jinja_env.globals["shown"] = change_list.shown

    admin = Admin(
        app, name=_l("IncluBot staff"), url=URL, index_view=HomeView(url=URL, name=_l("Home")),
        theme=Bootstrap4Theme(base_template="staff_admin/master.html"),
        csp_nonce_generator=content_policy.nonce,
        translations_path=str(TRANSLATIONS_DIR),  # Flask-Admin's own words in Latvian (it has none)
    )
    entries = EntryView(db)
    admin.add_view(entries)
    admin.add_view(StaffView(db))
    admin.add_view(AuditView(db))
    admin.add_view(InboxView(name=_l("Inbox"), endpoint="inbox", url="inbox"))
    admin.add_view(TranslationsView(name=_l("Translations"), endpoint="translations", url="translations"))
    admin.add_view(TransferView(name=_l("Import and export"), endpoint="transfer", url="transfer"))
    admin.add_view(QuestionsView(name=_l("Questions over time"), endpoint="questions", url="questions", category=CATEGORY))
    admin.add_view(UnansweredView(name=_l("Unanswered questions"), endpoint="unanswered", url="unanswered", category=CATEGORY))
    admin.add_view(StaleView(name=_l("Not verified for 6 months"), endpoint="stale", url="stale", category=CATEGORY))

    script_hashes = content_policy.handler_hashes(name for name, _ in entries._actions)  # the list actions

    @app.before_request
    def refuse_forged_or_malformed_requests():
        if not _is_admin_path():
            return
        if len(request.full_path) > MAX_URL_CHARS:
            abort(414)
        if request.path == UPLOAD_URL:  # a file upload: larger than any form (the view says by how much)
            request.max_content_length = MAX_UPLOAD_BYTES + UPLOAD_FORM_MARGIN
        if request.method not in SAFE_METHODS:
            csrf.protect()
        # No browser sends NUL; databases refuse it (PostgreSQL with an error, not a message).
        for source in (request.args, request.form):
            if any("\x00" in key + "".join(values) for key, values in source.lists()):
                abort(400)
        # A return address ("url" after a list action or a deletion, "next" after log-in)
        # goes into a Location header: a line break there cannot be sent (and was a 500).
        if any(_CONTROL.search(request.values.get(name, "")) for name in RETURN_ADDRESS_FIELDS):
            abort(400)

    @app.after_request
    def admin_headers(response):
        if _is_admin_path():
            if len(response.headers.get("Location", "")) > MAX_URL_CHARS:
                # a return address sent in a form ("url", "next"): too long to be one of ours
                response.headers["Location"] = url_for("admin.index")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault("Content-Security-Policy", content_policy.policy(script_hashes))
            if not request.path.startswith(f"{URL}/static/"):
                response.headers.setdefault("Cache-Control", "no-store")  # pages of a logged-in user
        return response

    @app.errorhandler(CSRFError)
    def forged_or_expired(error):
        message = gettext("This form has expired or did not come from this site. Go back, reload the page and try again.")
        return render_template("staff_admin/error.html", message=message), 400

    @app.errorhandler(HTTPException)
    def admin_error_page(error):
        if not _is_admin_path() or error.code not in ERROR_TEXTS:
            return error
        message = too_large_message() if error.code == 413 and request.path == UPLOAD_URL else ERROR_TEXTS[error.code]
        return render_template("staff_admin/error.html", message=message), error.code

    return admin


def _is_admin_path() -> bool:
    return request.path == URL or request.path.startswith(URL + "/")
