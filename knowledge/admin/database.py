"""The admin's database: Flask-SQLAlchemy (one session per request, as Flask-Admin expects)
on the project's one engine from knowledge/db.py (INCLUBOT_DATABASE_URL).

Flask-SQLAlchemy 3.0.5 is the last release for SQLAlchemy 1.4, the version Rasa pins.
"""
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy

from knowledge.db import database_url, get_engine


class ProjectDatabase(SQLAlchemy):
    def _make_engine(self, bind_key, options, app):
        # The engine the bot and the CLI use (same URL handling, SQLite pragmas, pool),
        # instead of a second one built from Flask config.
        return get_engine(database_url())


def init_database(app: Flask) -> SQLAlchemy:
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url()
    db = ProjectDatabase(session_options={"future": True, "expire_on_commit": False})
    db.init_app(app)
    return db


def db_session():
    """The current request's session (rolled back at the end of the request if not committed)."""
    return current_app.extensions["staff_admin"].db.session
