"""The admin's front door: log in, log out, change one's password, and the home page."""
import logging
import math
from datetime import date, datetime, timedelta, timezone

from flask import current_app, flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from sqlalchemy import func, select

from knowledge import passwords, staff as accounts, tickets
from knowledge.admin import service_stats
from knowledge.admin.client_address import client_address
from knowledge.admin.database import db_session
from knowledge.admin.login_audit import audit_login
from knowledge.admin.permissions import cities_of, is_coordinator
from knowledge.admin.sessions import current_staff, log_in, log_out
from knowledge.models import Entry, UnansweredQuestion

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
        session, cities, today = db_session(), cities_of(staff), date.today()
        active = session.execute(
            select(func.count()).select_from(Entry).where(Entry.city_id.in_(cities), Entry.active.is_(True))
        ).scalar_one()
        unanswered = session.execute(
            select(func.count()).select_from(UnansweredQuestion).where(
                UnansweredQuestion.asked_at >= datetime.now(timezone.utc) - timedelta(days=30),
                service_stats.in_cities(UnansweredQuestion.city_id, cities),
            )
        ).scalar_one()
        return self.render(
            "staff_admin/home.html", staff=staff, coordinator=is_coordinator(staff), active=active,
            open_tickets=tickets.open_count(session, cities),
            stale=len(service_stats.stale_entries(session, cities, today)), unanswered=unanswered,
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
            message = f"Too many failed log-ins. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again."
            return self.render("staff_admin/login.html", error=message, next=request.form.get("next", "")), 429
        user = accounts.authenticate(session, username, password) if username and password else None
        if user is None:
            if not username or not password:
                passwords.burn_time(password)
            session.rollback()
            audit_login(session, "login-failed", username, address)
            log.info("failed admin log-in")  # no username: it may be someone's name
            message = "Wrong username or password (or the account is closed)."
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
        flash("You are logged out.", "info")
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
            error = "The current password is wrong."
        elif new != request.form.get("repeat_password", ""):
            error = "The two new passwords differ."
        else:
            try:
                accounts.set_password(db_session(), staff, new, actor=staff.username)
            except accounts.StaffError as problem:
                error = f"The new password is refused: {problem}."
            else:
                db_session().commit()
                log_in(staff)  # the old sessions end with the old password
                flash("Your password is changed.", "success")
                return redirect(url_for(".index"))
        return self.render("staff_admin/account.html", staff=staff, error=error), 400
