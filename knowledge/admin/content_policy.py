"""The admin's Content-Security-Policy: scripts only from the admin itself, so that text a
user or an editor managed to get into a page could not run.

Flask-Admin's few inline scripts carry a per-request nonce (Admin(csp_nonce_generator=…));
its inline click handlers (the list actions' buttons) are allowed by their exact hashes.
"""
import base64
import hashlib
import re
import secrets
from typing import Iterable

from flask import g

# Flask-Admin's inline handlers, as its templates render them (admin/actions.html,
# admin/model/layout.html, admin/model/row_actions.html), for the list actions the admin defines.
HANDLER_TEMPLATES = ("return modelActions.execute('{name}');",)
FIXED_HANDLERS = (
    "return false;",
    "return faHelpers.safeConfirm('Are you sure you want to delete this record?');",  # a row's delete button
)


def nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def handler_hashes(action_names: Iterable[str]) -> str:
    handlers = [*FIXED_HANDLERS, *(t.format(name=name) for t in HANDLER_TEMPLATES for name in action_names)]
    handlers += [translated for handler in FIXED_HANDLERS for translated in _in_every_admin_language(handler)]
    return " ".join(_hash(handler) for handler in sorted(set(handlers)))


def _in_every_admin_language(handler: str) -> Iterable[str]:
    """The handler as the admin renders it in each of its languages: Flask-Admin's question
    before deleting is translated (by its own catalogue, or ours for Latvian)."""
    from babel.support import Translations
    from flask_admin import translations as flask_admin_translations

    from knowledge.admin.locale import ADMIN_LANGUAGES, TRANSLATIONS_DIR

    match = re.search(r"'([^']+)'", handler)
    if match is None:
        return []
    found = []
    for language in ADMIN_LANGUAGES:
        for directory in (TRANSLATIONS_DIR, flask_admin_translations.__path__[0]):
            text = Translations.load(str(directory), [language], "admin").gettext(match.group(1))
            if text != match.group(1):
                found.append(handler.replace(match.group(1), text))
                break
    return found


def policy(hashes: str) -> str:
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce()}' 'unsafe-hashes' {hashes}",
        "style-src 'self' 'unsafe-inline'",  # style attributes; no script can run from them
        "img-src 'self' data:",  # Bootstrap's form controls draw with data: images
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))
