"""Finds city names and language names in any script, with spaCy's Matcher.

Cities come from the taxonomy (names and aliases) and knowledge/city_spellings.yml,
regions made of several communes from knowledge/city_regions.yml, language names from
replies/locales/language_names.yml. Text is folded (lower case, accents
removed) and matched with spaCy's Matcher on a blank multilingual tokenizer. The last word
of a city name may carry
a short inflection ("Брюсселе", "Jelgavā", "Mechelen'de"), and Arabic-script names an
attached preposition ("ببروكسل"). Entities: `city` and `language_choice`, whose values are
the taxonomy ids, and `city_region` (a region's id): the longest name wins, so
"Bruxelles-Capitale" is the region, not the city of Bruxelles.
"""
import re
import unicodedata
from functools import lru_cache
from typing import Any, Dict, List, Tuple

import spacy
import yaml
from spacy.matcher import Matcher

from knowledge.city_regions import city_regions
from knowledge.taxonomy import city_spellings, load_taxonomy
from replies.texts import LOCALES_DIR

LANGUAGE_NAMES_FILE = LOCALES_DIR / "language_names.yml"
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
_ARABIC_PREFIXES = "بلوف"
MIN_INFLECTABLE = 5  # shorter names must match exactly
MAX_INFLECTION = 4


def fold_with_offsets(text: str) -> Tuple[str, List[int]]:
    """Lower-case, accent-free text, and for each folded char the index of its source char."""
    folded, offsets = [], []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKD", char.lower()):
            if not unicodedata.combining(part):
                folded.append(part)
                offsets.append(index)
    return "".join(folded), offsets


def fold(text: str) -> str:
    return fold_with_offsets(text)[0]


class NameMatcher:
    """Matches names of things (city ids, language codes) in free text."""

    def __init__(self, names: Dict[str, Dict[str, List[str]]], inflected: Tuple[str, ...] = ()):
        # names: {entity type: {value: [names...]}}; `inflected` entity types may carry endings
        self._nlp = spacy.blank("xx")
        self._matcher = Matcher(self._nlp.vocab)
        self._labels: Dict[int, Tuple[str, str]] = {}
        first_words: List[str] = []
        for entity, values in names.items():
            for value, spellings in values.items():
                key = f"{entity}:{value}"
                patterns = [p for p in (self._pattern(s, entity in inflected) for s in spellings) if p]
                if patterns:
                    self._matcher.add(key, patterns)
                    self._labels[self._nlp.vocab.strings[key]] = (entity, value)
                    first_words.extend(_as_regex(pattern[0]) for pattern in patterns)
        # One regex for the first word of every name: a message none of whose words can begin
        # a name skips the Matcher, which tries each name's regex on each word in turn (most
        # messages name no city; training masks 30,000 of them).
        self._could_begin_a_name = re.compile("|".join(sorted(set(first_words))))

    def _pattern(self, spelling: str, inflected: bool) -> List[Dict[str, Any]]:
        words = [t.text for t in self._nlp.make_doc(fold(spelling)) if not t.is_punct]
        if not words:
            return []
        last = words[-1]
        prefix = f"[{_ARABIC_PREFIXES}]?" if _ARABIC_SCRIPT.search(last) else ""
        if inflected and len(last) >= MIN_INFLECTABLE:
            tail = f"{re.escape(last[:-1])}\\w{{0,{MAX_INFLECTION}}}"
        else:
            tail = re.escape(last)
        pattern = [{"LOWER": w} for w in words[:-1]]
        pattern.append({"LOWER": {"REGEX": f"^{prefix}{tail}$"}})
        return pattern

    def find(self, text: str) -> List[Dict[str, Any]]:
        return [dict(found) for found in self._find(text)]

    @lru_cache(maxsize=256)  # several NLU components look for names in the same message
    def _find(self, text: str) -> Tuple[Dict[str, Any], ...]:
        folded, offsets = fold_with_offsets(text)
        doc = self._nlp.make_doc(folded.replace("-", " ").replace("'", " ").replace("’", " "))
        if not any(self._could_begin_a_name.match(token.lower_) for token in doc):
            return ()
        matches = {(start, end): match_id for match_id, start, end in self._matcher(doc)}
        spans = spacy.util.filter_spans([doc[start:end] for start, end in matches])
        found = []
        for span in spans:
            entity, value = self._labels[matches[(span.start, span.end)]]
            start = offsets[span.start_char]
            end = offsets[span.end_char - 1] + 1
            found.append({"entity": entity, "value": value, "start": start, "end": end, "text": text[start:end]})
        return tuple(found)


def _as_regex(token_pattern: Dict[str, Any]) -> str:
    """A Matcher token pattern ({"LOWER": word} or {"LOWER": {"REGEX": r}}) as a regex that
    re.match finds in exactly the words the Matcher would take (it runs re.search on r)."""
    lower = token_pattern["LOWER"]
    if isinstance(lower, dict):
        return f"(?:{lower['REGEX']})"
    return f"(?:{re.escape(lower)}\\Z)"


@lru_cache(maxsize=1)
def default_matcher() -> NameMatcher:
    taxonomy = load_taxonomy()
    cities = city_spellings()
    languages = {}
    if LANGUAGE_NAMES_FILE.is_file():
        languages = yaml.safe_load(LANGUAGE_NAMES_FILE.read_text(encoding="utf-8")) or {}
    languages = {code: [str(n) for n in names] for code, names in languages.items() if code in taxonomy.languages}
    # Language names are listed with their forms ("по-русски"); an ending would turn
    # "Russia" or "France" into a language choice.
    regions = {region.id: list(region.names) for region in city_regions().values()}
    return NameMatcher(
        {"city": cities, "city_region": regions, "language_choice": languages}, inflected=("city", "city_region")
    )


def find_cities(text: str) -> List[str]:
    """City ids named in the text, in order of appearance."""
    return [e["value"] for e in default_matcher().find(text) if e["entity"] == "city"]


def find_regions(text: str) -> List[str]:
    """Region ids (knowledge/city_regions.yml) named in the text, in order of appearance."""
    return [e["value"] for e in default_matcher().find(text) if e["entity"] == "city_region"]
