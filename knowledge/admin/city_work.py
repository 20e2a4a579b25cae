"""A city's work at a glance, for the admin's home page: its entries per category, and
what needs a member of staff (entries never verified, not verified for six months,
translations missing or outdated, questions the bot could not answer this week)."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Dict, Optional

from flask import request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.admin import service_stats
from knowledge.admin.permissions import cities_of, is_coordinator
from knowledge.models import MISSING, OUTDATED, Entry, UnansweredQuestion
from knowledge.taxonomy import load_taxonomy


@dataclass
class CityWork:
    city: str
    per_category: Dict[str, int]
    unverified: int
    stale: int
    missing_translations: int  # entries lacking a text in at least one language
    outdated_translations: int  # entries with at least one outdated translation
    unanswered_this_week: int

    @property
    def active(self) -> int:
        return sum(self.per_category.values())


def chosen_city(staff, session: Session) -> Optional[str]:
    """An editor's city; for a coordinator the one asked for in ?city=, remembered on their
    account, else the one they chose last time, else the first."""
    if not is_coordinator(staff):
        return staff.city_id
    cities = cities_of(staff)
    asked = request.args.get("city")
    if asked in cities and asked != staff.home_city_id:
        staff.home_city_id = asked
        session.commit()
    if staff.home_city_id in cities:
        return staff.home_city_id
    return cities[0] if cities else None


def city_work(session: Session, city: str, today: date, now: datetime) -> CityWork:
    rows = session.execute(
        select(Entry.category, func.count()).where(Entry.city_id == city, Entry.active.is_(True)).group_by(Entry.category)
    ).all()
    counts = dict(rows)
    per_category = {category: counts.get(category, 0) for category in load_taxonomy().categories}
    unverified = session.execute(
        select(func.count()).select_from(Entry).where(Entry.city_id == city, Entry.active.is_(True), Entry.verified_on.is_(None))
    ).scalar_one()
    stale = len(service_stats.stale_entries(session, [city], today))
    missing = outdated = 0
    languages = list(load_taxonomy().languages)
    for entry in session.execute(select(Entry).where(Entry.city_id == city, Entry.active.is_(True))).scalars():
        states = {entry.translation_state(language) for language in languages}
        missing += MISSING in states
        outdated += OUTDATED in states
    unanswered = session.execute(
        select(func.count()).select_from(UnansweredQuestion).where(
            UnansweredQuestion.city_id == city, UnansweredQuestion.asked_at >= now - timedelta(days=7)
        )
    ).scalar_one()
    return CityWork(city, per_category, unverified, stale, missing, outdated, unanswered)

