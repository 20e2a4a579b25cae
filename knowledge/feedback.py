"""Thumbs up / down on answers, counted per city, category and language: no text, no user
or conversation id, and the day only (not the time), so a vote cannot be traced back to a
conversation. Staff see the counts beside the question statistics (admin, Questions)."""
from datetime import date, timedelta
from typing import Dict, Iterable, Optional, Tuple

from sqlalchemy import Boolean, Column, Date, Integer, String, case, func, select
from sqlalchemy.orm import Session

from knowledge.models import Base
from knowledge.taxonomy import load_taxonomy

DIMENSIONS = ("category", "city", "language")


class AnswerFeedback(Base):
    __tablename__ = "answer_feedback"

    id = Column(Integer, primary_key=True)
    on = Column(Date, nullable=False, default=date.today)
    city_id = Column(String(64), nullable=False)
    category = Column(String(64), nullable=False)
    language = Column(String(8), nullable=False)
    helpful = Column(Boolean, nullable=False)


def valid_vote(city_id, category, language) -> bool:
    """Only the taxonomy's ids are counted: nothing free-form reaches the table."""
    taxonomy = load_taxonomy()
    return city_id in taxonomy.cities and category in taxonomy.categories and language in taxonomy.languages


def record_feedback(session: Session, city_id: str, category: str, language: str, helpful: bool) -> bool:
    if not valid_vote(city_id, category, language) or not isinstance(helpful, bool):
        return False
    session.add(AnswerFeedback(city_id=city_id, category=category, language=language, helpful=helpful))
    return True


def feedback_counts(
    session: Session, by: str, cities: Optional[Iterable[str]], days: int, today: date,
) -> Dict[str, Tuple[int, int]]:
    """{key of `by`: (helpful, not helpful)} over the last `days` days, in the given cities
    (None: all)."""
    column = {"category": AnswerFeedback.category, "city": AnswerFeedback.city_id, "language": AnswerFeedback.language}[by]
    query = (
        select(column, func.sum(case((AnswerFeedback.helpful, 1), else_=0)), func.sum(case((AnswerFeedback.helpful, 0), else_=1)))
        .where(AnswerFeedback.on > today - timedelta(days=days))
        .group_by(column)
        .order_by(column)
    )
    if cities is not None:
        query = query.where(AnswerFeedback.city_id.in_(list(cities)))
    return {key: (int(up or 0), int(down or 0)) for key, up, down in session.execute(query)}
