"""Regions people name instead of their commune (knowledge/city_regions.yml).

A region such as the Brussels-Capital Region holds several communes, and social services
(CPAS/OCMW) are competent only for their own commune: the bot must not take the region
for one of its cities, but ask which commune the person lives in.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

import yaml

from knowledge.taxonomy import load_taxonomy

CITY_REGIONS_FILE = Path(__file__).with_name("city_regions.yml")


@dataclass(frozen=True)
class Region:
    id: str
    communes: Tuple[str, ...]  # the taxonomy's cities inside the region
    names: Tuple[str, ...]
    question: str  # key of the bot's text asking for the commune (replies/locales)


@lru_cache(maxsize=1)
def city_regions() -> Dict[str, Region]:
    raw = yaml.safe_load(CITY_REGIONS_FILE.read_text(encoding="utf-8")) or {}
    cities = load_taxonomy().cities
    regions = {}
    for region_id, region in raw.items():
        communes = tuple(region["communes"])
        unknown = [c for c in communes if c not in cities]
        if unknown:
            raise ValueError(f"{CITY_REGIONS_FILE.name}: {region_id} lists cities not in the taxonomy: {unknown}")
        regions[region_id] = Region(region_id, communes, tuple(str(n) for n in region["names"]), region["question"])
    return regions
