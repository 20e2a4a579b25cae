"""The translations page: per city and language, how many texts are translated, unreviewed,
outdated or missing (the table of `inclubot kb coverage`), and the texts in one state
("outdated", "missing in language X", ...), each linked to its entry's editor on that
language's tab, with "mark reviewed"; what a city lacks in one language can be downloaded
for a translator (CSV or XLIFF). Staff see and review only their cities, as everywhere in
the admin; every review is in the audit log."""
from datetime import date

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext

from knowledge.admin.access import StaffOnly
from knowledge.admin.database import db_session
from knowledge.admin.insights_view import chosen_cities, city_choice
from knowledge.admin.permissions import may_edit_city
from knowledge.changes import mark_translation_reviewed
from knowledge.coverage import STATES, coverage, texts_to_review
from knowledge.models import MISSING, OUTDATED, UNREVIEWED, Entry
from knowledge.taxonomy import load_taxonomy
from knowledge.translator_csv import export_translator_csv
from knowledge.xliff import export_xliff

MAX_LISTED = 200  # the table says how many there are; the list is for working through them
TO_REVIEW = (OUTDATED, UNREVIEWED)


class TranslationsView(StaffOnly, BaseView):
    @expose("/")
    def index(self):
        cities = chosen_cities(self.staff)
        languages = load_taxonomy().languages
        state = request.args.get("state") if request.args.get("state") in (OUTDATED, UNREVIEWED, MISSING) else ""
        language = request.args.get("language") if request.args.get("language") in languages else ""
        session = db_session()
        listed = texts_to_review(session, cities, (state,) if state else TO_REVIEW, language or None) if cities else []
        return self.render(
            "staff_admin/translations.html", states=STATES, languages=languages, state=state, language=language,
            counts=coverage(session, cities) if cities else {}, to_review=listed[:MAX_LISTED],
            total_to_review=len(listed), **city_choice(self.staff),
        )

    @expose("/for-translator")
    def for_translator(self):
        """The texts one city lacks in one language (missing, or outdated against the source)."""
        taxonomy = load_taxonomy()
        city, target, source = (request.args.get(name) or "" for name in ("city", "language", "source"))
        file_format = request.args.get("format") or "csv"
        if city not in taxonomy.cities or target not in taxonomy.languages or source not in taxonomy.languages \
                or source == target or file_format not in ("csv", "xliff"):
            flash(gettext("Choose a city, the language to translate into and a different source language."), "error")
            return redirect(url_for(".index", city=city or None))
        if not may_edit_city(self.staff, city):
            abort(403)
        if file_format == "xliff":
            text, _ = export_xliff(db_session(), city, target, source)
            data, mimetype = text.encode("utf-8"), "application/xliff+xml"
        else:
            data, mimetype = export_translator_csv(db_session(), city, target, source).encode("utf-8-sig"), "text/csv; charset=utf-8"
        name = f"{city}-{source}-to-{target}.{'xlf' if file_format == 'xliff' else 'csv'}"
        return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})

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
            flash(gettext("%(entry)s (%(language)s): marked reviewed.", entry=entry.id, language=language), "success")
        return redirect(url_for(".index", city=request.args.get("city") or None))
