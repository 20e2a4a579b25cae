"""The bot's own words in every supported language (one catalogue: replies/locales/<code>.yml)."""
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

LOCALES_DIR = Path(__file__).with_name("locales")
FALLBACK_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar", "fa"})


@lru_cache(maxsize=None)
def catalogue(language: str) -> Dict[str, str]:
    path = LOCALES_DIR / f"{language}.yml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def supported_languages():
    """Codes that have a catalogue, English first."""
    codes = sorted(p.stem for p in LOCALES_DIR.glob("*.yml") if len(p.stem) == 2)
    return [FALLBACK_LANGUAGE] + [c for c in codes if c != FALLBACK_LANGUAGE]


def text(key: str, in_language: str, **params) -> str:
    """The text for `key` in a language (English when missing there), placeholders filled."""
    template = catalogue(in_language).get(key) or catalogue(FALLBACK_LANGUAGE)[key]
    return template.format(**params) if params else template


def language_name(code: str) -> str:
    """A language's name in itself ("Français"), for pickers and notes."""
    return catalogue(code).get("language_name") or code
