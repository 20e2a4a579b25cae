"""👍 / 👎 under a Telegram answer card: the press is counted per city, category and
language (knowledge/feedback.py) and thanked with a short notice; nothing about the person
is kept. The callback data carries only the taxonomy ids: "!1brussels/health/en"."""
import logging
from typing import Dict, List, Optional, Tuple

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton

from knowledge.db import session_scope
from knowledge.feedback import record_feedback, valid_vote

logger = logging.getLogger(__name__)
VOTE_PREFIX = "!"


def vote_buttons(card: Dict) -> List[InlineKeyboardButton]:
    target, language = card.get("feedback") or {}, card.get("language")
    if not valid_vote(target.get("city"), target.get("category"), language):
        return []
    where = f"{target['city']}/{target['category']}/{language}"
    return [
        InlineKeyboardButton("👍", callback_data=f"{VOTE_PREFIX}1{where}"),
        InlineKeyboardButton("👎", callback_data=f"{VOTE_PREFIX}0{where}"),
    ]


def read_vote(data: str) -> Optional[Tuple[str, str, str, bool]]:
    if not data.startswith(VOTE_PREFIX) or data[1:2] not in ("0", "1"):
        return None
    parts = data[2:].split("/")
    if len(parts) != 3 or not valid_vote(*parts):
        return None
    return parts[0], parts[1], parts[2], data[1] == "1"


def count_vote(data: str) -> Optional[str]:
    """Counts a vote; returns its language (for the thanks), None when not a valid vote."""
    vote = read_vote(data)
    if vote is None:
        return None
    try:
        with session_scope() as session:
            record_feedback(session, *vote)
    except SQLAlchemyError as error:
        logger.error("a vote could not be counted: %s", type(error).__name__)
    return vote[2]
