"""Log-ins in the audit log: success, failure, refusal by the log-in limits, log-out, each
with the account and the client's real address (knowledge/admin/client_address.py).

A failed log-in names the account only when it exists: what was typed as a username may be
a mistyped password or someone's name.
"""
from sqlalchemy.orm import Session

from knowledge import staff as accounts
from knowledge.changes import write_audit

UNKNOWN_ACCOUNT = "(no such account)"


def audit_login(session: Session, action: str, username: str, address: str) -> None:
    """Writes and commits one audit row (a failure must be recorded although nothing else is
    saved)."""
    user = accounts.find(session, username) if username else None
    actor = user.username if user is not None else UNKNOWN_ACCOUNT
    write_audit(session, actor, action, None, {"address": address}, city_id=user.city_id if user else None)
    session.commit()
