"""Distances shown to someone who shared their location ("350 m from you") are left out of
what is stored: with three known services, three distances give the person's position back.

The lines come from one catalogue text (`distance_from_you`, replies/locales/) and one format
(replies/rendering.py format_distance: "350 m", "1.2 km", "1,2 km"), so they are found by
those, in every language, and dropped whole.
"""
import re
from functools import lru_cache

from replies.texts import catalogue, supported_languages

DISTANCE = r"\d{1,6}(?:[.,]\d{1,3})? (?:m|km)"
KEY = "distance_from_you"


@lru_cache(maxsize=None)
def _distance_line() -> re.Pattern:
    templates = {catalogue(language).get(KEY) for language in supported_languages()} - {None}
    alternatives = sorted(
        (re.escape(template).replace(re.escape("{distance}"), DISTANCE) for template in templates), key=len, reverse=True,
    )
    return re.compile(rf"^[^\S\n]*(?:{'|'.join(alternatives)})[^\S\n]*(?:\n|$)", re.MULTILINE)


def without_distances(text: str) -> str:
    if not text:
        return text
    return _distance_line().sub("", text)
