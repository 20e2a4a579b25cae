"""The admin's front door: log in, log out, change one's password, and the home page."""
import logging
import math
from datetime import date, datetime, timezone

from flask import current_app, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_babel import gettext, ngettext, refresh

from knowledge import passwords, staff as accounts, tickets
from knowledge.admin.city_work import chosen_city, city_work
from knowledge.admin.client_address import client_address
from knowledge.admin.database import db_session
from knowledge.admin.locale import ADMIN_LANGUAGES
from knowledge.admin.login_audit import audit_login
from knowledge.admin.permissions import cities_of, is_coordinator
from knowledge.admin.sessions import current_staff, log_in, log_out
from knowledge.taxonomy import load_taxonomy

log = logging.getLogger(__name__)


def _safe_next(target: str) -> str:
    """Only a page of the admin itself: never send a user elsewhere after logging in."""
    admin_url = url_for("admin.index")
    if target and target.startswith(admin_url) and not target.startswith("//") and "\\" not in target:
        return target
    return admin_url


class HomeView(AdminIndexView):
    def is_visible(self) -> bool:
        return current_staff() is not None

    @expose("/")
    def index(self):
        staff = current_staff()
        if staff is None:
            return redirect(url_for(".login_view"))
        session, taxonomy = db_session(), load_taxonomy()
        city = chosen_city(staff, session)
        if city is None:  # an editor account without a city: nothing to work on
            return self.render("staff_admin/error.html", message=gettext("Your account has no city. Ask a coordinator to set one.")), 403
        work = city_work(session, city, date.today(), datetime.now(timezone.utc))
        return self.render(
            "staff_admin/home.html", staff=staff, coordinator=is_coordinator(staff), work=work,
            open_tickets=tickets.open_count(session, cities_of(staff)),  # as the inbox it links to lists them
            city_name=taxonomy.cities[city].name, cities=[(c, taxonomy.cities[c].name) for c in cities_of(staff)],
            category_links={category: entry_list_url(city, category) for category in work.per_category},
        )

    @expose("/login/", methods=("GET", "POST"))
    def login_view(self):
        if request.method == "GET":
            return self.render("staff_admin/login.html", next=request.args.get("next", ""))
        username = accounts.normalise_username(request.form.get("username", ""))
        password = request.form.get("password", "")
        address = client_address()
        limiter = current_app.extensions["staff_admin"].limiter
        session = db_session()
        wait = limiter.begin(username, address)  # counted before the password is checked
        if wait is not None:
            audit_login(session, "login-refused", username, address)
            minutes = max(1, math.ceil(wait / 60))
            message = ngettext("Too many failed log-ins. Wait %(num)d minute and try again.", "Too many failed log-ins. Wait %(num)d minutes and try again.", minutes)
            return self.render("staff_admin/login.html", error=message, next=request.form.get("next", "")), 429
        user = accounts.authenticate(session, username, password) if username and password else None
        if user is None:
            if not username or not password:
                passwords.burn_time(password)
            session.rollback()
            audit_login(session, "login-failed", username, address)
            log.info("failed admin log-in")  # no username: it may be someone's name
            message = gettext("Wrong username or password (or the account is closed).")
            return self.render("staff_admin/login.html", error=message, next=request.form.get("next", "")), 401
        limiter.succeeded(username, address)
        audit_login(session, "login", username, address)  # committed with an upgraded hash
        log_in(user)
        return redirect(_safe_next(request.form.get("next", "")))

    @expose("/logout/", methods=("POST",))
    def logout_view(self):
        staff = current_staff()
        if staff is not None:
            audit_login(db_session(), "logout", staff.username, client_address())
        log_out()
        flash(gettext("You are logged out."), "info")
        return redirect(url_for(".login_view"))

    @expose("/account/", methods=("GET", "POST"))
    def account_view(self):
        staff = current_staff()
        if staff is None:
            return redirect(url_for(".login_view", next=request.full_path))
        if request.method == "GET":
            return self.render("staff_admin/account.html", staff=staff)
        new = request.form.get("new_password", "")
        if not passwords.verify_password(staff.password_hash, request.form.get("current_password", "")):
            error = gettext("The current password is wrong.")
        elif new != request.form.get("repeat_password", ""):
            error = gettext("The two new passwords differ.")
        else:
            try:
                accounts.set_password(db_session(), staff, new, actor=staff.username)
            except accounts.StaffError as problem:
                error = gettext("The new password is refused: %(problem)s.", problem=problem)
            else:
                db_session().commit()
                log_in(staff)  # the old sessions end with the old password
                flash(gettext("Your password is changed."), "success")
                return redirect(url_for(".index"))
        return self.render("staff_admin/account.html", staff=staff, error=error), 400

    @expose("/language/", methods=("POST",))
    def language_view(self):
        """The account's admin language; empty: follow the browser's."""
        staff = current_staff()
        if staff is None:
            return redirect(url_for(".login_view"))
        chosen = request.form.get("admin_language", "")
        staff.admin_language = chosen if chosen in ADMIN_LANGUAGES else None
        db_session().commit()
        refresh()  # the locale was chosen for this request before the change
        flash(gettext("The language of these pages is saved."), "success")
        return redirect(url_for(".account_view"))


def entry_list_url(city: str, category: str) -> str:
    """The entry list filtered to one city's category (EntryView.column_filters: city first, category second)."""
    return url_for("entry.index_view", flt0_0=city, flt1_1=category)
