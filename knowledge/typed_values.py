"""Values typed by people (spreadsheet cells, admin form fields) turned into entry data.

What cannot be converted is returned as the text it was, so that the entry's validation
(knowledge/document.py) says what is wrong with it, in one place for every way in.
"""
import re
from typing import Dict, List, Optional, Union

from knowledge.opening_hours import DAYS

CLOSED = "closed"  # a day listed with no opening hours
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_LIST_SEPARATOR = re.compile(r"[,;\s]+")


def number(value: Optional[str]) -> Union[None, float, str]:
    """'50.85' or '50,85' (a decimal comma) -> 50.85."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value.replace(",", ".") if _DECIMAL_COMMA.match(value) else value)
    except ValueError:
        return value


def integer(value: Optional[str], default: int = 0) -> Union[int, str]:
    value = (value or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        return value


def boolean(value: Optional[str], default: bool = True) -> Union[bool, str]:
    value = (value or "").strip()
    if not value:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    return value


def language_list(value: Optional[str]) -> List[str]:
    """'fr, nl ar' -> ['fr', 'nl', 'ar']."""
    return [code.lower() for code in _LIST_SEPARATOR.split(value or "") if code]


def day_spans(value: Optional[str]) -> List[str]:
    """'09:00-12:00, 13:00-16:00' -> ['09:00-12:00', '13:00-16:00']; 'closed' -> []."""
    value = (value or "").strip()
    if value.lower() == CLOSED:
        return []
    return [span.strip() for span in re.split(r"[,;]", value) if span.strip()]


def week_hours(cells: Dict[str, Optional[str]]) -> Optional[Dict[str, List[str]]]:
    """One text per day (mon..sun) -> opening hours; all empty means 'not known'."""
    hours = {day: day_spans(cells.get(day)) for day in DAYS if (cells.get(day) or "").strip()}
    return hours or None


def day_text(spans: Optional[List[str]]) -> str:
    """The inverse of day_spans."""
    if spans is None:
        return ""
    return ", ".join(spans) if spans else CLOSED
