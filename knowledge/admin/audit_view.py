"""The audit log, for coordinators: who changed what and when. Read only."""
import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from knowledge.admin.access import StaffModelView
from knowledge.models import AuditLog


def _changes(view, context, row, name):
    text = json.dumps(row.changes, ensure_ascii=False, indent=1) if row.changes else ""
    return Markup(f"<pre class='mb-0' style='white-space: pre-wrap; max-width: 60em'>{escape(text)}</pre>")


class AuditView(StaffModelView):
    coordinators_only = True
    can_create = can_edit = can_delete = False
    can_view_details = False
    column_list = ("at", "actor", "action", "city_id", "entry_id", "changes")
    column_labels = {"at": "When (UTC)", "actor": "Who", "city_id": "City", "entry_id": "Entry"}
    column_filters = ("actor", "action", "city_id", "entry_id", "at")
    column_searchable_list = ("actor", "entry_id")
    column_default_sort = ("at", True)
    column_formatters = {"changes": _changes}
    page_size = 50

    def __init__(self, db):
        super().__init__(AuditLog, db, name=_l("Audit log"), endpoint="audit", url="audit")
