"""The translations page: per city and language, how many texts are translated, unreviewed,
outdated or missing (the table of `inclubot kb coverage`), and the texts to review, each
linked to its entry. Staff see only their cities, as everywhere in the admin."""
from flask_admin import BaseView, expose

from knowledge.admin.access import StaffOnly
from knowledge.admin.database import db_session
from knowledge.admin.insights_view import chosen_cities, city_choice
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
