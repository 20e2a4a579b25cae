"""The audit log, for coordinators: who changed what and when, as a history ("field: old
→ new", to the minute in the city's time zone), paginated, filterable by city, person and
entry. Read only."""
from flask import g
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from knowledge.admin.access import StaffModelView
from knowledge.admin.audit_history import city_timezones, readable_changes
from knowledge.admin.change_list import shown
from knowledge.admin.database import db_session
from knowledge.admin.locale import local_time
from knowledge.models import AuditLog


def change_lines(changes) -> Markup:
    """Field changes as a list: the field, the old value struck through, the new one."""
    items = "".join(
        f"<li><strong>{escape(change.label())}</strong>: <bdi class='change-old'>{escape(shown(change.old))}</bdi>"
        f" → <bdi class='change-new'>{escape(shown(change.new))}</bdi></li>"
        for change in changes
    )
    return Markup(f"<ul class='list-unstyled mb-0 audit-changes'>{items}</ul>")


def _changes(view, context, row, name):
    if row.id in g.get("audit_changes", {}):
        if row.action in ("create", "import-create"):
            return _l("created")
        return change_lines(g.audit_changes[row.id])
    # not about an entry (accounts, log-ins): what the row says, one line per value
    values = row.changes if isinstance(row.changes, dict) else {}
    return Markup("<br>".join(f"{escape(key)}: {escape(shown(value))}" for key, value in values.items()))


def _at(view, context, row, name):
    return local_time(row.at, city_timezones(db_session()).get(row.city_id))


class AuditView(StaffModelView):
    coordinators_only = True
    can_create = can_edit = can_delete = False
    can_view_details = False
    column_list = ("at", "actor", "action", "city_id", "entry_id", "changes")
    column_labels = {
        "at": _l("When (the city's time)"), "actor": _l("Who"), "action": _l("Action"), "city_id": _l("City"),
        "entry_id": _l("Entry"), "changes": _l("What changed"),
    }
    column_filters = ("actor", "action", "city_id", "entry_id", "at")
    column_searchable_list = ("actor", "entry_id")
    column_default_sort = ("at", True)
    column_formatters = {"changes": _changes, "at": _at}
    page_size = 50

    def __init__(self, db):
        super().__init__(AuditLog, db, name=_l("Audit log"), endpoint="audit", url="audit")

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        rows = list(rows)
        g.audit_changes = readable_changes(db_session(), rows)
        return count, rows
