"""The fixed ids of the product (cities, themes, categories, languages), from taxonomy.yml."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

TAXONOMY_FILE = Path(__file__).with_name("taxonomy.yml")
CITY_SPELLINGS_FILE = Path(__file__).with_name("city_spellings.yml")


@dataclass(frozen=True)
class City:
    id: str
    name: str
    country: str
    local_languages: Tuple[str, ...]
    aliases: Tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    themes: Dict[str, str]
    categories: Dict[str, str]  # category id -> theme id
    conversation_intents: Tuple[str, ...]
    languages: Dict[str, str]
    cities: Dict[str, City]

    def categories_of_theme(self, theme: str) -> List[str]:
        return [c for c, t in self.categories.items() if t == theme]

    def related_categories(self, category: str) -> List[str]:
        """Other categories of the same theme, the natural next questions."""
        theme = self.categories.get(category)
        return [c for c in self.categories_of_theme(theme) if c != category]

    def last_asked(self, intents: Iterable[str], also: Iterable[str] = ()) -> Optional[str]:
        """The category the user asked last: the newest of a conversation's intents (given
        oldest first) that is a service category, or one of `also` (e.g. ask_human)."""
        wanted = set(self.categories) | set(also)
        return next((intent for intent in reversed(list(intents)) if intent in wanted), None)


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    raw = yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8"))
    cities = {
        city_id: City(
            id=city_id,
            name=c["name"],
            country=c["country"],
            local_languages=tuple(c["local_languages"]),
            aliases=tuple(c.get("aliases") or ()),
        )
        for city_id, c in raw["cities"].items()
    }
    return Taxonomy(
        themes=dict(raw["themes"]),
        categories={cid: c["theme"] for cid, c in raw["categories"].items()},
        conversation_intents=tuple(raw["conversation_intents"]),
        languages=dict(raw["languages"]),
        cities=cities,
    )


@lru_cache(maxsize=1)
def city_spellings() -> Dict[str, List[str]]:
    """Every way users write each city: id, name, taxonomy aliases, and city_spellings.yml."""
    extra = yaml.safe_load(CITY_SPELLINGS_FILE.read_text(encoding="utf-8")) or {}
    return {
        city.id: list(dict.fromkeys([city.id, city.name, *city.aliases, *map(str, extra.get(city.id, []))]))
        for city in load_taxonomy().cities.values()
    }
