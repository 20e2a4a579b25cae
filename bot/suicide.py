"""Does a message about danger now speak of ending one's life?

Decides whether the country's suicide-prevention line follows 112 (actions/answers.py). The
words are in bot/suicide_words/<language>.txt, matched at the start of a word on folded
text; the danger model has already decided that there is danger.
"""
import re
from functools import lru_cache
from pathlib import Path

from bot.name_matching import fold

WORDS_DIR = Path(__file__).resolve().parent / "suicide_words"
_JOINERS = re.compile("[\u200c\u200d\u200f\u200e]")  # Persian half-spaces and direction marks


def _normalise(text: str) -> str:
    return " ".join(_JOINERS.sub("", fold(text or "")).split())


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    phrases = set()
    for path in sorted(WORDS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                phrases.add(_normalise(line))
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})")


def speaks_of_suicide(text: str) -> bool:
    return bool(_pattern().search(_normalise(text[:2000])))
