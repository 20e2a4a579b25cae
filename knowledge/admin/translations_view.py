"""The translations page: per city and language, how many texts are translated, unreviewed,
outdated or missing (the table of `inclubot kb coverage`), and the texts to review, each
linked to its entry, with "mark reviewed". Staff see and review only their cities, as
everywhere in the admin; every review is in the audit log."""
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose

from knowledge.admin.access import StaffOnly
from knowledge.admin.database import db_session
from knowledge.admin.insights_view import chosen_cities, city_choice
from knowledge.admin.permissions import may_edit_city
from knowledge.changes import mark_translation_reviewed
from knowledge.models import Entry
from knowledge.coverage import STATES, coverage, texts_to_review
from knowledge.taxonomy import load_taxonomy

MAX_LISTED = 200  # the table says how many there are; the list is for working through them


class TranslationsView(StaffOnly, BaseView):
    @expose("/")
    def index(self):
        cities = chosen_cities(self.staff)
        session = db_session()
        to_review = texts_to_review(session, cities) if cities else []
        return self.render(
            "staff_admin/translations.html", states=STATES, languages=load_taxonomy().languages,
            counts=coverage(session, cities) if cities else {}, to_review=to_review[:MAX_LISTED],
            total_to_review=len(to_review), **city_choice(self.staff),
        )

    @expose("/review", methods=["POST"])
    def review(self):
        """A member of staff read the translation beside its source and found it right."""
        session = db_session()
        entry = session.get(Entry, request.form.get("entry_id") or "")
        if entry is None or not may_edit_city(self.staff, entry.city_id):
            abort(403)
        language = request.form.get("language") or ""
        if mark_translation_reviewed(session, entry, language, self.staff.username, date.today()):
            session.commit()
            flash(f"{entry.id} ({language}): marked reviewed.", "success")
        return redirect(url_for(".index", city=request.args.get("city") or None))
