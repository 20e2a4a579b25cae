"""What staff need to improve the service: questions over time, unanswered questions,
entries nobody has checked for a long time. Read-only queries, for one or more cities."""
from calendar import monthrange
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List, Sequence, Tuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from knowledge.admin.question_groups import Question, QuestionGroup, group_questions
from knowledge.models import Entry, QuestionEvent, UnansweredQuestion
from knowledge.taxonomy import load_taxonomy

DIMENSIONS = {"category": QuestionEvent.category, "city": QuestionEvent.city_id, "language": QuestionEvent.language}
UNKNOWN = "unknown"
MAX_UNANSWERED = 5000  # the most recent ones, enough to see what is asked


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def questions_per_week(
    session: Session, by: str, cities: Sequence[str], weeks: int, today: date,
) -> Tuple[List[date], Dict[str, List[int]]]:
    """Answered questions per week (Monday first) and per category, city or language."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    periods = [first + timedelta(weeks=i) for i in range(weeks)]
    column = DIMENSIONS[by]
    day = func.date(QuestionEvent.asked_at)
    rows = session.execute(
        select(day, column, func.count())
        .where(QuestionEvent.asked_at >= _start_of(first), in_cities(QuestionEvent.city_id, cities))
        .group_by(day, column)
    ).all()
    series: Dict[str, List[int]] = {}
    for asked_on, key, count in rows:
        asked_on = asked_on if isinstance(asked_on, date) else date.fromisoformat(str(asked_on)[:10])
        slot = (week_start(asked_on) - first).days // 7
        if 0 <= slot < weeks:
            series.setdefault(key or UNKNOWN, [0] * weeks)[slot] += count
    ordered = dict(sorted(series.items(), key=lambda item: -sum(item[1])))
    return periods, ordered


def unanswered_groups(session: Session, cities: Sequence[str], days: int, now: datetime) -> Tuple[int, List[QuestionGroup]]:
    rows = session.execute(
        select(UnansweredQuestion.text, UnansweredQuestion.asked_at, UnansweredQuestion.language, UnansweredQuestion.city_id,
               UnansweredQuestion.intent)
        .where(UnansweredQuestion.asked_at >= now - timedelta(days=days), in_cities(UnansweredQuestion.city_id, cities))
        .order_by(UnansweredQuestion.asked_at.desc())
        .limit(MAX_UNANSWERED)
    ).all()
    return len(rows), group_questions(Question(*row) for row in rows)


def stale_entries(session: Session, cities: Sequence[str], today: date, months: int = 6) -> List[Entry]:
    """Active entries never verified, or verified more than `months` months ago; oldest first."""
    limit = months_before(today, months)
    return list(
        session.execute(
            select(Entry)
            .where(Entry.active.is_(True), Entry.city_id.in_(cities),
                   or_(Entry.verified_on.is_(None), Entry.verified_on < limit))
            .order_by(Entry.verified_on.isnot(None), Entry.verified_on, Entry.city_id, Entry.id)
        ).scalars()
    )


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def in_cities(column, cities: Sequence[str]):
    """Rows of these cities. With every city (a coordinator) also the rows with no city."""
    if set(cities) >= set(load_taxonomy().cities):
        return or_(column.in_(cities), column.is_(None))
    return column.in_(cities)
