"""Does a message speak of ending one's life, in so many words?

One feature of the danger model (bot/danger_model.py), which weighs it against the rest of
the message ("en finir", "farla finita" are everyday words too). The words are in
bot/suicide_words/<language>.txt, matched at the start of a word on folded text. They do
not decide the suicide-prevention line: it follows every cry for help (actions/answers.py),
as most farewells hold none of these words.
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
