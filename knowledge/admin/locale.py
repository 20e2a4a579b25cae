"""The admin in the staff member's language: Flask-Babel with the catalogues in
knowledge/admin/translations/ (the .po files are committed; scripts/setup.sh compiles them,
so the compiled ones are never older than the text).

The language is the account's choice (My account), else the browser's Accept-Language,
else English. Dates are written the way that language writes them; times in the city's
time zone. Category names come from the bot's own catalogue (replies/locales/), so staff and
users read the same words.
"""
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_date
from babel.numbers import format_decimal
from flask import Flask, request
from flask_babel import Babel, get_locale

from replies.texts import catalogue, language_name

ADMIN_LANGUAGES = ("en", "fr", "nl", "it", "es", "el", "lv")
TRANSLATIONS_DIR = Path(__file__).with_name("translations")


def init_babel(app: Flask, current_staff) -> None:
    def select_locale() -> str:
        staff = current_staff()
        if staff is not None and staff.admin_language in ADMIN_LANGUAGES:
            return staff.admin_language
        return request.accept_languages.best_match(ADMIN_LANGUAGES) or "en"

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        admin_language=admin_language, local_date=local_date, local_time=local_time,
        category_name=category_name, language_name=language_name, local_number=local_number,
        ADMIN_LANGUAGES=ADMIN_LANGUAGES,
    )


def admin_language() -> str:
    return str(get_locale() or "en")


def local_date(value: Optional[date]) -> str:
    """A date as the staff member's language writes it (3 déc. 2026, 2026. gada 3. dec.)."""
    return babel_date(value, format="medium", locale=admin_language()) if value else ""


def local_time(value: Optional[datetime], zone: Optional[str] = None) -> str:
    """A moment to the minute, in a time zone (the city's; UTC when none is given)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite gives back UTC without saying so
        value = value.replace(tzinfo=timezone.utc)
    moment = value.astimezone(ZoneInfo(zone or "UTC"))
    return f"{babel_date(moment.date(), format='medium', locale=admin_language())} {moment:%H:%M}"


def local_number(value) -> str:
    return format_decimal(value, locale=admin_language())


def category_name(category: str, language: Optional[str] = None) -> str:
    """The category's name in the bot's catalogue, in the admin's language."""
    language = language or admin_language()
    return catalogue(language).get(f"category_{category}") or catalogue("en").get(f"category_{category}") \
        or category.replace("_", " ").capitalize()
