"""Staff edit the knowledge base here: list, create, edit, archive and verify entries.

Every change goes through knowledge/changes.py (audited) and is committed at once: the
action server reads the database on every message, so the bot answers with it next.
"""
import logging
from datetime import date
from typing import List

from flask import abort, flash, request, session
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, BooleanEqualFilter, FilterEqual
from flask_admin.helpers import get_form_data
from flask_babel import LazyString, gettext, lazy_gettext as _l, ngettext
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import InvalidRequestError, SQLAlchemyError

from knowledge import changes
from knowledge.admin import change_list, entry_form
from knowledge.admin.access import StaffModelView
from knowledge.admin.database import db_session
from knowledge.admin.audit_history import city_timezones, readable_changes
from knowledge.admin.locale import admin_language, category_name, local_date, local_time
from knowledge.admin.permissions import cities_of, may_edit_city
from knowledge.document import check_entry
from knowledge.models import AuditLog, Entry, EntryText
from knowledge.opening_hours import DAYS
from knowledge.taxonomy import load_taxonomy

log = logging.getLogger(__name__)
SAVE_FAILED = _l("The entry could not be saved (the database refused it); nothing was changed. Try again.")
TAB_KEY = "entry_tab"
HISTORY_ROWS = 20  # on the entry's page; the audit log has them all



def VERIFIED(count: int) -> str:
    return ngettext("%(num)d entry marked verified today.", "%(num)d entries marked verified today.", count)


def ARCHIVED(count: int) -> str:
    return ngettext("%(num)d entry archived.", "%(num)d entries archived.", count)


def RESTORED(count: int) -> str:
    return ngettext("%(num)d entry restored.", "%(num)d entries restored.", count)


def _name(view, context, entry, name):
    texts = entry.texts_by_language()
    text = texts.get(admin_language()) or texts.get("en") or next(iter(texts.values()), None)
    return text.name if text else entry.id


def _missing(view, context, entry, name):
    present = entry.texts_by_language()
    missing = [code for code in load_taxonomy().languages if code not in present]
    return ", ".join(missing) if missing else gettext("none")


def _verified(view, context, entry, name):
    return local_date(entry.verified_on) if entry.verified_on else gettext("never")


def _category(view, context, entry, name):
    return category_name(entry.category)


class NameContains(BaseSQLAFilter):
    """Entries with a name, in any language, that contains the text (accents as typed)."""

    def apply(self, query, value, alias=None):
        return query.filter(Entry.texts.any(func.lower(EntryText.name).contains(value.lower(), autoescape=True)))

    def operation(self):
        return "contains"


class EntryView(StaffModelView):
    can_delete = False  # archived instead: the record stays, the bot stops showing it
    can_view_details = False
    column_list = ("id", "name", "city_id", "category", "verified_on", "active", "missing")
    column_labels = {
        "id": _l("Id"), "name": _l("Name"), "city_id": _l("City"), "category": _l("Category"),
        "verified_on": _l("Last verified"), "active": _l("Active"), "missing": _l("Missing translations"),
        "address": _l("Address"), "phone": _l("Phone"), "email": _l("E-mail"),
    }
    column_formatters = {"name": _name, "missing": _missing, "verified_on": _verified, "category": _category}
    column_sortable_list = ("id", "city_id", "category", "verified_on", "active")
    # Names are searched with the "Name contains" filter: a search joined to the texts
    # would count each entry once per language.
    column_searchable_list = ("id", "address", "phone", "email")
    column_default_sort = "id"
    page_size = 50
    edit_template = create_template = "staff_admin/entry_edit.html"

    def __init__(self, db):
        taxonomy = load_taxonomy()
        self.column_filters = (
            FilterEqual(Entry.city_id, _l("City"), options=[(c, city.name) for c, city in taxonomy.cities.items()]),
            FilterEqual(Entry.category, _l("Category"), options=[(c, LazyString(category_name, c)) for c in taxonomy.categories]),
            BooleanEqualFilter(Entry.active, _l("Active")),
            NameContains(Entry.id, _l("Name (any language)")),
            BooleanEqualFilter(Entry.crisis_line, _l("Crisis line")),  # last: filter URLs (flt0_3) count by position
        )
        self.form = entry_form.build_form_class()
        self.form_create_rules = self.form_edit_rules = entry_form.form_rules()
        super().__init__(Entry, db, name=_l("Entries"), endpoint="entry", url="entry")

    # --- what the user may see: their cities only --------------------------------------

    def get_query(self):
        return super().get_query().filter(Entry.city_id.in_(cities_of(self.staff)))

    def get_count_query(self):
        return super().get_count_query().filter(Entry.city_id.in_(cities_of(self.staff)))

    def get_one(self, id):
        # An id from a form or the address bar: empty or two ids in one is no entry, not an error.
        try:
            entry = super().get_one(id) if id else None
        except InvalidRequestError:
            return None
        if entry is not None and not may_edit_city(self.staff, entry.city_id):
            abort(403)
        return entry

    # --- forms ----------------------------------------------------------------------------

    def create_form(self, obj=None):
        if request.method == "POST" and not may_edit_city(self.staff, request.form.get("city")):
            abort(403)
        form = self._create_form_class(get_form_data())
        allowed = set(cities_of(self.staff))
        form.city.choices = [(c, label) for c, label in form.city.choices if c in allowed]
        if request.method == "GET":  # "create an entry from this" (a question, a ticket): city and category given
            if request.args.get("city") in allowed:
                form.city.data = request.args["city"]
            if request.args.get("category") in load_taxonomy().categories:
                form.category.data = request.args["category"]
        form.entry = None
        self._editor_context(form, None)
        return form

    def edit_form(self, obj=None):
        form = self._edit_form_class(get_form_data(), data=entry_form.data_of(obj))
        form.id.render_kw = {"readonly": True}
        form.city.choices = [(obj.city_id, load_taxonomy().cities[obj.city_id].name)]
        form.city.data = obj.city_id
        self._template_args["missing_languages"] = entry_form.mark_missing_translations(form, obj)
        form.entry = obj
        self._editor_context(form, obj)
        return form

    def _editor_context(self, form, entry) -> None:
        """What the editor page shows beside the fields: the markers of the language tabs,
        the source language, the tab to open (?lang=, else the admin's language)."""
        languages = list(load_taxonomy().languages)
        form.category.choices = [(c, category_name(c)) for c in load_taxonomy().categories]
        tab = request.args.get("lang") or session.pop(TAB_KEY, None)  # the tab saved from, after a save
        if tab not in languages:
            tab = admin_language() if admin_language() in languages else "en"
        texts = entry.texts_by_language() if entry is not None else {}
        name = texts.get(admin_language()) or texts.get("en") or next(iter(texts.values()), None)
        self._template_args.update(
            languages=languages, texts=texts, tab=tab, days=DAYS,
            source=entry_form.source_language(entry, request.args.get("source_language")),
            markers=entry_form.text_markers(entry), marker_labels=entry_form.MARKER_LABELS,
            marker_styles=entry_form.MARKER_STYLES,
            title=name.name if name is not None else gettext("New entry"),
            history=self._history(entry) if entry is not None else [],
        )

    def _history(self, entry) -> list:
        """The entry's last changes, newest first: (row, its field changes, when in the city's time)."""
        database = db_session()
        rows = list(database.execute(
            select(AuditLog).where(AuditLog.entry_id == entry.id).order_by(AuditLog.id.desc()).limit(HISTORY_ROWS)
        ).scalars())
        readable = readable_changes(database, rows)
        zone = city_timezones(database).get(entry.city_id)
        return [(row, readable.get(row.id, []), local_time(row.at, zone)) for row in rows]

    def validate_form(self, form) -> bool:
        if not super().validate_form(form):
            return False
        if not hasattr(form, "entry"):  # the list's action form
            return True
        record, problems = check_entry(entry_form.fields_of(form, form.entry, date.today()))
        if record is not None and form.entry is None and db_session().get(Entry, record.id) is not None:
            problems.append(("id", f"there is already an entry with the id {record.id}"))
        if problems:
            entry_form.show_problems(form, problems)
            flash(gettext("Please correct: %(problems)s", problems="; ".join(message for _, message in problems)), "error")
            return False
        form.record = record
        return True

    # --- saving -----------------------------------------------------------------------

    def create_model(self, form):
        if not self._save(form.record):
            return False
        return db_session().get(Entry, form.record.id)

    def update_model(self, form, model) -> bool:
        session[TAB_KEY] = request.form.get("_tab", "")
        return self._save(form.record, before=change_list.entry_data(model))

    def _save(self, record, before=None) -> bool:
        if not may_edit_city(self.staff, record.city):
            abort(403)
        try:
            changes.save_entry(db_session(), record, actor=self.staff.username)
            db_session().commit()
        except (SQLAlchemyError, ValueError):  # ValueError: the id was taken in another city meanwhile
            db_session().rollback()
            log.exception("saving entry %s failed", record.id)
            flash(SAVE_FAILED, "error")
            return False
        if before is None:
            flash(gettext("The entry is created. The bot already uses it."), "success")
            return True
        changed = change_list.field_changes(before, change_list.entry_data(db_session().get(Entry, record.id)))
        if not changed:
            flash(gettext("Saved: nothing was changed."), "success")
        else:
            # <bdi>: an Arabic or Persian value keeps its own direction inside the sentence
            lines = Markup("; ").join(
                Markup("{}: <bdi class='change-old'>{}</bdi> → <bdi class='change-new'>{}</bdi>").format(
                    c.label(), change_list.shown(c.old), change_list.shown(c.new))
                for c in changed if not c.field.startswith("text_status")
            )
            flash(Markup(gettext("Saved. The bot already uses it. Changed: %(changes)s", changes=lines)), "success")
        return True

    # --- actions on the selected entries ------------------------------------------------

    @action("verify", _l("Mark verified today"), _l("Mark the selected entries as verified today?"))
    def action_verify(self, ids: List[str]):
        today = date.today()
        self._change_each(ids, lambda entry: changes.mark_verified(db_session(), entry, self.staff.username, today), VERIFIED)

    @action("archive", _l("Archive"), _l("Archive the selected entries? The bot will stop showing them."))
    def action_archive(self, ids: List[str]):
        self._change_each(ids, lambda entry: changes.set_active(db_session(), entry, False, self.staff.username), ARCHIVED)

    @action("restore", _l("Restore"), _l("Restore the selected entries? The bot will show them again."))
    def action_restore(self, ids: List[str]):
        self._change_each(ids, lambda entry: changes.set_active(db_session(), entry, True, self.staff.username), RESTORED)

    def _change_each(self, ids: List[str], change, done) -> None:
        """All or nothing: one entry the user may not change refuses the whole request."""
        entries = [entry for entry in (self.get_one(i) for i in ids) if entry is not None]
        try:
            changed = sum(1 for entry in entries if change(entry))
            db_session().commit()
        except SQLAlchemyError:
            db_session().rollback()
            log.exception("action on %d entries failed", len(entries))
            flash(SAVE_FAILED, "error")
            return
        flash(done(changed), "success")
