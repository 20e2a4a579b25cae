"""The admin's Content-Security-Policy: scripts only from the admin itself, so that text a
user or an editor managed to get into a page could not run.

Flask-Admin's few inline scripts carry a per-request nonce (Admin(csp_nonce_generator=…));
its inline click handlers (the list actions' buttons) are allowed by their exact hashes.
"""
import base64
import hashlib
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
    return " ".join(_hash(handler) for handler in handlers)


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
