"""How far each city's entries are translated: per city and language, how many texts are
translated (an original, or a translation staff wrote, imported or checked), unreviewed
(a draft), outdated (its source changed since) or missing. Active entries only: archived
ones are not shown to anyone."""
from collections import Counter
from typing import Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import MISSING, OUTDATED, TRANSLATED, UNREVIEWED, Entry
from knowledge.taxonomy import load_taxonomy

STATES = (TRANSLATED, UNREVIEWED, OUTDATED, MISSING)


def coverage(session: Session, cities: Optional[List[str]] = None) -> Dict[Tuple[str, str], Counter]:
    """{(city id, language): Counter of states}, for these cities (default: all) and every language."""
    cities = list(cities) if cities else list(load_taxonomy().cities)
    languages = load_taxonomy().languages
    counts = {(c, language): Counter() for c in cities for language in languages}
    statement = select(Entry).where(Entry.active.is_(True), Entry.city_id.in_(cities))
    for entry in session.execute(statement).scalars():
        for language in languages:
            counts[(entry.city_id, language)][entry.translation_state(language)] += 1
    return counts


def coverage_table(counts: Dict[Tuple[str, str], Counter]) -> str:
    """One line per city and language, a blank line between cities, for a terminal."""
    header = f"{'city':<24} {'lang':<4} " + " ".join(f"{state:>11}" for state in STATES)
    lines = [header, "-" * len(header)]
    previous = None
    for (city, language), counter in counts.items():
        if previous is not None and city != previous:
            lines.append("")
        previous = city
        lines.append(f"{city:<24} {language:<4} " + " ".join(f"{counter[state]:>11}" for state in STATES))
    return "\n".join(lines)


def texts_to_review(
    session: Session, cities: List[str], states=(OUTDATED, UNREVIEWED), language: Optional[str] = None,
) -> List[Tuple[Entry, str, str]]:
    """(entry, language, state) of every text in one of these states (default: outdated or
    unreviewed; MISSING lists the texts that do not exist), in one language or all,
    outdated first."""
    languages = [language] if language else list(load_taxonomy().languages)
    statement = select(Entry).where(Entry.active.is_(True), Entry.city_id.in_(cities)).order_by(Entry.city_id, Entry.id)
    found = [
        (entry, code, entry.translation_state(code))
        for entry in session.execute(statement).scalars()
        for code in languages
    ]
    return sorted(
        [item for item in found if item[2] in states],
        key=lambda item: (item[2] != OUTDATED, item[0].city_id, item[0].id, item[1]),
    )
