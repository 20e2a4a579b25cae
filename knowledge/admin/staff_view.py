"""Coordinators manage staff accounts here: create editors and coordinators, change a
role or city, reset a password, deactivate, delete (the audit log then names the account
by a pseudonym: knowledge/staff.py delete_account)."""
import logging

from flask import flash
from flask_admin.form import BaseForm
from flask_admin.helpers import get_form_data
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from wtforms import BooleanField, PasswordField, SelectField, StringField

from knowledge import staff as accounts
from knowledge.admin.access import StaffModelView
from knowledge.admin.database import db_session
from knowledge.admin.sessions import current_staff, log_in
from knowledge.models import StaffUser
from knowledge.taxonomy import load_taxonomy

log = logging.getLogger(__name__)


class StaffForm(BaseForm):
    username = StringField(_l("Username"), description=_l("e.g. the person's work e-mail address"))
    role = SelectField(_l("Role"), choices=[
        (accounts.EDITOR, _l("City editor: edits the entries of one city")),
        (accounts.COORDINATOR, _l("Coordinator: all cities, staff accounts, audit log")),
    ], validate_choice=False)  # knowledge/staff.py checks, with clearer messages
    city_id = SelectField(_l("City (for a city editor)"), validate_choice=False)
    active = BooleanField(_l("Active (untick to close the account)"), default=True)
    password = PasswordField(_l("Password"), description=_l("At least 12 characters. Tell it to the person in person or by phone, not by e-mail."))


def _city_choices():
    return [("", "-")] + [(c, city.name) for c, city in load_taxonomy().cities.items()]


class StaffView(StaffModelView):
    coordinators_only = True
    can_delete = True
    can_view_details = False
    column_list = ("username", "role", "city_id", "active", "created_at")
    column_labels = {"username": _l("Username"), "role": _l("Role"), "city_id": _l("City"), "active": _l("Active"), "created_at": _l("Created")}
    column_searchable_list = ("username",)
    column_default_sort = "username"
    form = StaffForm

    def __init__(self, db):
        super().__init__(StaffUser, db, name=_l("Staff accounts"), endpoint="staff", url="staff")

    def get_one(self, id):
        # An id from the address bar: PostgreSQL refuses a non-number with an error, not None.
        if not str(id).isdigit() or int(id) > 2**31 - 1:
            return None
        return super().get_one(id)

    def create_form(self, obj=None):
        form = StaffForm(get_form_data())
        form.city_id.choices = _city_choices()
        form.account = None
        return form

    def edit_form(self, obj=None):
        form = StaffForm(get_form_data(), data={
            "username": obj.username, "role": obj.role, "city_id": obj.city_id or "", "active": obj.active,
        })
        form.city_id.choices = _city_choices()
        form.username.render_kw = {"readonly": True}
        form.password.label.text = "New password (leave empty to keep the current one)"
        form.account = obj
        return form

    def create_model(self, form):
        created = []
        saved = self._save(lambda: created.append(accounts.create_account(
            db_session(), form.username.data, form.password.data, form.role.data,
            form.city_id.data or None, actor=current_staff().username,
        )), form)
        return created[0] if saved else False

    def update_model(self, form, model) -> bool:
        me = current_staff()
        saved = self._save(lambda: accounts.update_account(
            db_session(), model, form.role.data, form.city_id.data or None, bool(form.active.data),
            form.password.data or None, actor=me.username,
        ), form)
        if saved and model.id == me.id and model.active:
            log_in(model)  # a new own password ends the session: open a new one
        return saved

    def delete_model(self, model) -> bool:
        try:
            name = accounts.delete_account(db_session(), model, actor=current_staff().username)
            db_session().commit()
        except accounts.StaffError as error:
            db_session().rollback()
            flash(gettext("The account was not deleted: %(problem)s.", problem=error), "error")
            return False
        except SQLAlchemyError:
            db_session().rollback()
            log.exception("deleting a staff account failed")
            flash(gettext("The account could not be deleted; nothing was changed. Try again."), "error")
            return False
        flash(gettext("The account is deleted; the audit log now calls it \"%(name)s\".", name=name), "success")
        return True

    def _save(self, change, form) -> bool:
        try:
            change()
            db_session().commit()
            return True
        except accounts.StaffError as error:
            db_session().rollback()
            for field, message in error.problems:
                form[field].errors = list(form[field].errors) + [message]
            flash(gettext("Please correct: %(problems)s", problems=str(error)), "error")
            return False
        except SQLAlchemyError:
            db_session().rollback()
            log.exception("saving a staff account failed")
            flash(gettext("The account could not be saved; nothing was changed. Try again."), "error")
            return False
