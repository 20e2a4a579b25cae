"""The admin's views are for logged-in staff; some for coordinators only."""
from flask import abort, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView

from knowledge.admin.permissions import is_coordinator
from knowledge.admin.sessions import current_staff


class StaffOnly:
    """Mixin for Flask-Admin views: anonymous users are sent to the login page (GET) or
    refused (anything else); logged-in staff without the role get 403."""

    coordinators_only = False

    def is_accessible(self) -> bool:
        staff = current_staff()
        if staff is None:
            return False
        return is_coordinator(staff) or not self.coordinators_only

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        if current_staff() is None:
            if request.method == "GET":
                return redirect(url_for("admin.login_view", next=request.full_path))
            abort(401)
        abort(403)

    @property
    def staff(self):
        return current_staff()


class StaffModelView(StaffOnly, ModelView):
    """Flask-Admin's model view for staff, with the page number from the address bar kept
    within what a database accepts (a huge or negative one is an error there, not a page)."""

    max_page = 100_000

    def get_list(self, page, *args, **kwargs):
        if page is not None and not 0 <= page <= self.max_page:
            page = 0
        return super().get_list(page, *args, **kwargs)
