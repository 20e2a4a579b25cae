"""Pages that show staff where the service can improve: questions over time (a chart),
unanswered questions grouped by similarity, entries not verified for six months."""
from datetime import date, datetime, timezone

from flask import abort, request
from flask_admin import BaseView, expose
from flask_babel import gettext, lazy_gettext as _l

from knowledge.admin import service_stats, svg_chart
from knowledge.admin.access import StaffOnly
from knowledge.admin.database import db_session
from knowledge.admin.locale import category_name
from knowledge.admin.permissions import cities_of
from knowledge.feedback import feedback_counts
from knowledge.taxonomy import load_taxonomy

CATEGORY = _l("Improve the service")
WEEK_CHOICES = (4, 12, 26, 52)
DAY_CHOICES = (7, 30, 90, 365)


def chosen_cities(staff) -> list:
    """The user's cities, or the one city asked for in ?city= (which must be theirs)."""
    allowed = cities_of(staff)
    city = request.args.get("city") or None
    if city is None:
        return allowed
    if city not in allowed:
        abort(403)
    return [city]


def choice(name: str, choices, default):
    value = request.args.get(name, type=int)
    return value if value in choices else default


def series_label(by: str, key: str) -> str:
    taxonomy = load_taxonomy()
    if by == "category":
        return category_name(key)
    if by == "city":
        return taxonomy.cities[key].name if key in taxonomy.cities else key
    return f"{taxonomy.languages[key]} ({key})" if key in taxonomy.languages else key


class QuestionsView(StaffOnly, BaseView):
    @expose("/")
    def index(self):
        by = request.args.get("by") if request.args.get("by") in service_stats.DIMENSIONS else "category"
        weeks = choice("weeks", WEEK_CHOICES, 12)
        cities = chosen_cities(self.staff)
        periods, counts = service_stats.questions_per_week(db_session(), by, cities, weeks, date.today())
        series = {series_label(by, key): values for key, values in counts.items()}
        title = {"category": gettext("Questions answered per week and category"), "city": gettext("Questions answered per week and city"),
                 "language": gettext("Questions answered per week and language")}[by]
        votes = feedback_counts(db_session(), by, cities, weeks * 7, date.today())
        return self.render(
            "staff_admin/questions.html", by=by, weeks=weeks, week_choices=WEEK_CHOICES,
            feedback={series_label(by, key): counts for key, counts in votes.items()},
            periods=periods, series=series, totals=[sum(column) for column in zip(*series.values())], chart=svg_chart.stacked_bars(periods, series, title),
            colour=svg_chart.colour, title=title, **city_choice(self.staff),
        )


class UnansweredView(StaffOnly, BaseView):
    @expose("/")
    def index(self):
        days = choice("days", DAY_CHOICES, 30)
        total, groups = service_stats.unanswered_groups(
            db_session(), chosen_cities(self.staff), days, datetime.now(timezone.utc)
        )
        return self.render(
            "staff_admin/unanswered.html", days=days, day_choices=DAY_CHOICES, total=total, groups=groups,
            city_names={c: city.name for c, city in load_taxonomy().cities.items()}, **city_choice(self.staff),
            categories=load_taxonomy().categories, editable=cities_of(self.staff),
        )


class StaleView(StaffOnly, BaseView):
    @expose("/")
    def index(self):
        today = date.today()
        entries = service_stats.stale_entries(db_session(), chosen_cities(self.staff), today)
        return self.render(
            "staff_admin/stale.html", entries=entries, since=service_stats.months_before(today, 6),
            **city_choice(self.staff),
        )


def city_choice(staff) -> dict:
    taxonomy = load_taxonomy()
    return {
        "city": request.args.get("city") or "",
        "cities": [(c, taxonomy.cities[c].name) for c in cities_of(staff)],
    }
