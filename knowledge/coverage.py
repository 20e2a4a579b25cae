"""How far each city's entries are translated: per city and language, how many texts are
translated (an original, or a translation staff wrote, imported or checked), unreviewed
(a draft), outdated (its source changed since) or missing. Active entries only: archived
ones are not shown to anyone."""
from collections import Counter
from typing import Dict, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.models import MISSING, OUTDATED, TRANSLATED, UNREVIEWED, Entry
from knowledge.taxonomy import load_taxonomy

STATES = (TRANSLATED, UNREVIEWED, OUTDATED, MISSING)


def coverage(session: Session, city: Optional[str] = None) -> Dict[Tuple[str, str], Counter]:
    """{(city id, language): Counter of states}, for every city (or one) and language."""
    cities = [city] if city else list(load_taxonomy().cities)
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
