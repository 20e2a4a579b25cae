"""Structured opening hours: validation, "open now" in the city's time zone, display."""
import re
from datetime import datetime, time
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_span(span: str) -> Tuple[time, time]:
    """'09:00-12:30' -> (09:00, 12:30). '24:00' means the end of the day."""
    match = _SPAN.match(span.strip()) if isinstance(span, str) else None
    if not match:
        raise ValueError(f"opening hours must look like 09:00-12:30, not {span!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 == 24 or (h2 == 24 and m2):
        raise ValueError(f"{span!r} is not a valid time span")
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"{span!r} ends before it starts")
    return start, end


def validate(hours) -> List[str]:
    """Problems with an opening-hours value, as messages; [] when it is valid."""
    if hours is None:
        return []
    if not isinstance(hours, dict):
        return ["opening_hours must be a mapping of days (mon..sun) to lists like ['09:00-12:00']"]
    problems = []
    for day, spans in hours.items():
        if day not in DAYS:
            problems.append(f"unknown day {day!r} in opening_hours (use {', '.join(DAYS)})")
            continue
        if not isinstance(spans, list):
            problems.append(f"opening_hours.{day} must be a list like ['09:00-12:00']")
            continue
        for span in spans:
            try:
                parse_span(span)
            except ValueError as error:
                problems.append(f"opening_hours.{day}: {error}")
    return problems


def is_open(hours: Optional[Dict[str, List[str]]], timezone: str, now: datetime) -> Optional[bool]:
    """True/False when the hours are known, None when they are not."""
    if not hours:
        return None
    local = now.astimezone(ZoneInfo(timezone))
    today = DAYS[local.weekday()]
    current = local.time()
    return any(
        start <= current < end
        for start, end in (parse_span(s) for s in hours.get(today, []))
    )
