"""Canned replies of the staff inbox, per city (knowledge/handoff_canned_replies.yml)."""
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

CANNED_REPLIES_FILE = Path(__file__).with_name("handoff_canned_replies.yml")


@lru_cache(maxsize=1)
def _all() -> Dict[str, List[Dict[str, str]]]:
    data = yaml.safe_load(CANNED_REPLIES_FILE.read_text(encoding="utf-8")) or {}
    return {
        city: [{"title": str(r["title"]), "text": str(r["text"])} for r in replies if isinstance(r, dict) and r.get("title") and r.get("text")]
        for city, replies in data.items() if isinstance(replies, list)
    }


def canned_replies(city_id: str) -> List[Dict[str, str]]:
    replies = _all()
    return replies.get(city_id) or replies.get("default", [])
