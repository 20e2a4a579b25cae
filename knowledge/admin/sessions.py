"""Who is logged in: a signed session cookie, checked against the database on every request.

A session ends after INCLUBOT_ADMIN_IDLE_MINUTES without a request (default 30), after
INCLUBOT_ADMIN_SESSION_HOURS in any case (default 10), and when the account's session
generation moves on: at log-out (every session of the account, so a copied cookie is
worthless), a password change, deactivation (knowledge/staff.py end_sessions).
"""
import time
from datetime import timedelta
from typing import Optional

from flask import Flask, g, session

from bot import settings
from knowledge.admin.database import db_session
from knowledge.models import StaffUser
from knowledge.staff import end_sessions

SESSION_KEY = "staff"


def configure(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies(),
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.admin_idle_seconds()),
    )


def log_in(user: StaffUser) -> None:
    session.clear()
    session.permanent = True
    now = time.time()
    session[SESSION_KEY] = {"id": user.id, "generation": user.session_generation, "since": now, "seen": now}
    g.staff = user


def log_out() -> None:
    """Ends every session of the logged-in account (committed), and this browser's."""
    user = current_staff()
    if user is not None:
        end_sessions(user)
        db_session().commit()
    session.clear()
    g.staff = None


def current_staff() -> Optional[StaffUser]:
    """The logged-in, active staff member, or None."""
    if "staff" not in g:
        g.staff = _staff_of_session()
    return g.staff


def _staff_of_session() -> Optional[StaffUser]:
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict):
        return None
    now = time.time()
    if now - state.get("seen", 0) > settings.admin_idle_seconds() or now - state.get("since", 0) > settings.admin_session_seconds():
        session.clear()
        return None
    user = db_session().get(StaffUser, state.get("id"))
    if user is None or not user.active or state.get("generation") != user.session_generation:
        session.clear()
        return None
    state["seen"] = now
    session.modified = True
    return user

