"""Russian, Ukrainian and Greek in Latin letters, the way people type them in chats.

Used to teach the language identifier what translit and Greeklish look like (from the
native training sentences, in several common spellings), and to offer a reply in Latin
letters to someone who writes that way. Arabic and Farsi have no such rule (short vowels
are not written), so their romanized training data is written by hand.
"""
from typing import Dict, List

_RU = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "'", "э": "e", "ю": "yu", "я": "ya",
}
_UK = {
    **_RU, "г": "h", "ґ": "g", "е": "e", "є": "ie", "и": "y", "і": "i", "ї": "i", "й": "i",
    "х": "kh", "щ": "shch", "ь": "", "'": "", "’": "",
}
_EL = {
    "α": "a", "ά": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "έ": "e", "ζ": "z", "η": "i",
    "ή": "i", "θ": "th", "ι": "i", "ί": "i", "ϊ": "i", "ΐ": "i", "κ": "k", "λ": "l", "μ": "m",
    "ν": "n", "ξ": "x", "ο": "o", "ό": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "ύ": "y", "ϋ": "y", "ΰ": "y", "φ": "f", "χ": "x", "ψ": "ps", "ω": "w", "ώ": "w",
}
# Chat spellings differ from the standard ones: a second table per language.
_RU_CHAT = {**_RU, "ж": "j", "х": "h", "ц": "c", "ч": "4", "ш": "w", "щ": "sch", "ы": "i",
            "ю": "u", "я": "ia", "й": "i", "ь": ""}
_UK_CHAT = {**_UK, "ж": "zh", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "и": "y", "є": "ye",
            "ї": "yi", "ю": "iu", "я": "ia"}
_EL_CHAT = {**_EL, "η": "h", "ή": "h", "θ": "8", "ω": "o", "ώ": "o", "υ": "u", "ύ": "u",
            "χ": "ch", "ξ": "ks"}

TABLES: Dict[str, List[Dict[str, str]]] = {
    "ru": [_RU, _RU_CHAT], "uk": [_UK, _UK_CHAT], "el": [_EL, _EL_CHAT],
}


def _apply(text: str, table: Dict[str, str]) -> str:
    out = []
    for char in text:
        lower = char.lower()
        latin = table.get(lower)
        if latin is None:
            out.append(char)
        else:
            out.append(latin.capitalize() if char != lower and latin else latin)
    return "".join(out)


def to_latin(text: str, language: str) -> str:
    """The text in the common Latin spelling of its language (the text itself if none)."""
    tables = TABLES.get(language)
    return _apply(text, tables[0]) if tables else text


def latin_spellings(text: str, language: str) -> List[str]:
    """Every common Latin spelling of the text, for training (lower case, as chats are)."""
    return [_apply(text.lower(), table) for table in TABLES.get(language, [])]


def romanized_forms(text: str, language: str, script: str = None) -> List[str]:
    """The Latin spellings a sentence in its own script also stands for in training data
    (none for a sentence already in Latin letters, or a language without a rule)."""
    return [] if script == "latin" else latin_spellings(text, language)
