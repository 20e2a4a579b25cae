"""Language identification of short chat messages in the 12 supported languages.

Plain langdetect is unreliable on "doctor?" or "darbs". This combines:
1. script evidence: Greek letters are Greek; Arabic script is Arabic or Farsi (Persian-only
   letters decide); Cyrillic is Ukrainian or Russian (і ї є ґ vs ы э ъ ё decide);
   Latin letters with ā/ķ/ņ are Latvian, with ı/ğ/ş Turkish, with ñ/¿ Spanish;
2. a character n-gram model trained on the project's own training sentences (NLU data and
   the bot's texts), which knows the short words newcomers type;
3. langdetect (seeded, so results repeat), restricted to the 12 languages, for longer text;
4. a weak prior from the channel (Telegram's language_code, the widget page's language).
Messages with nothing language-specific left once numbers, emoji, city names and words like
"ok" are removed are *neutral*: confidence 0, so the conversation keeps its language.
"""
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from bot.name_matching import fold, fold_with_offsets

LANGUAGES = ("en", "fr", "nl", "ar", "uk", "ru", "es", "it", "el", "lv", "fa", "tr")
# Languages people also write in Latin letters (Arabizi, Finglish, translit, Greeklish): the
# n-gram model learns each as a class of its own, "<code>-latn", reported as the language
# with `script: latin`.
ROMANIZED = ("ar", "fa", "ru", "uk", "el")
LATIN_SUFFIX = "-latn"


def romanized_class(language: str) -> str:
    return f"{language}{LATIN_SUFFIX}"

NEUTRAL_WORDS = frozenset(
    "ok okay oke okey okk k kk yes no hi hello bye thanks thx sms taxi hotel bus covid "
    "whatsapp telegram bot wifi internet email e-mail euro eur pdf id".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_NGRAM_SIZES = (1, 2, 3, 4)
HINT_PRIOR = math.log(4.0)  # a channel hint counts like a few characters of evidence
LANGDETECT_MIN_WORDS = 6  # below this langdetect is often confidently wrong on chat
LANGDETECT_WEIGHT = 1.0
LANGDETECT_FLOOR = 0.05


@dataclass(frozen=True)
class Detection:
    code: str
    confidence: float
    script: Optional[str] = None  # "latin" for a language written in another script than its own

    def as_dict(self) -> Dict[str, object]:
        result = {"code": self.code, "confidence": round(self.confidence, 3)}
        if self.script:
            result["script"] = self.script
        return result


def _script_candidates(text: str) -> Tuple[str, ...]:
    """Languages the letters of the text allow, strongest evidence first."""
    scripts = Counter()
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if name.startswith("GREEK"):
            scripts["greek"] += 1
        elif name.startswith("CYRILLIC"):
            scripts["cyrillic"] += 1
        elif name.startswith("ARABIC") or name.startswith("PERSIAN"):
            scripts["arabic"] += 1
        elif name.startswith("LATIN"):
            scripts["latin"] += 1
    if not scripts:
        return ()
    # Latin words inside Greek, Cyrillic or Arabic text are names and brands ("champions
    # league"); the other script is the language's.
    others = Counter({k: v for k, v in scripts.items() if k != "latin"})
    if others and sum(others.values()) >= 0.25 * sum(scripts.values()):
        script = others.most_common(1)[0][0]
    else:
        script = "latin"
    if script == "greek":
        return ("el",)
    if script == "cyrillic":
        if re.search(r"[іїєґІЇЄҐ]", text):
            return ("uk",)
        if re.search(r"[ыэъёЫЭЪЁ]", text):
            return ("ru",)
        return ("uk", "ru")
    if script == "arabic":
        persian = len(re.findall(r"[پچژگکی]", text))
        arabic = len(re.findall(r"[ةيكىأإؤ]", text))
        if persian > arabic:
            return ("fa",)
        if arabic > persian:
            return ("ar",)
        return ("ar", "fa")
    lowered = text.lower()
    if re.search(r"[āēīūķļņģ]", lowered):
        return ("lv",)
    if re.search(r"[ığş]", lowered) or "İ" in text:
        return ("tr",)
    if re.search(r"[ñ¿¡]", lowered):
        return ("es",)
    return ("en", "fr", "nl", "es", "it", "lv", "tr", *(romanized_class(lang) for lang in ROMANIZED))


def _ngrams(word: str) -> Iterable[str]:
    padded = f" {word} "
    for size in _NGRAM_SIZES:
        for i in range(len(padded) - size + 1):
            yield padded[i : i + size]


class NgramModel:
    """Multinomial naive Bayes over character n-grams of words, plus the words themselves.

    Character n-grams generalise to unseen spellings; whole words seen in one language's
    training sentences ("holi", "aynen", "рятуйте") are strong evidence for it.
    """

    WORD_SMOOTHING = 0.05

    def __init__(self, counts: Dict[str, Counter], word_counts: Dict[str, Counter] = None):
        self._log_probs: Dict[str, Dict[str, float]] = {}
        self._unseen: Dict[str, float] = {}
        self._words: Dict[str, Dict[str, int]] = {k: dict(v) for k, v in (word_counts or {}).items()}
        self._word_totals = {k: sum(v.values()) for k, v in self._words.items()}
        self._word_vocabulary = len(set().union(*self._words.values())) if self._words else 0
        vocabulary = set().union(*counts.values()) if counts else set()
        for language, counter in counts.items():
            total = sum(counter.values()) + len(vocabulary) + 1
            self._log_probs[language] = {g: math.log((c + 1) / total) for g, c in counter.items()}
            self._unseen[language] = math.log(1 / total)

    @classmethod
    def train(cls, sentences: Iterable[Tuple[str, str]]) -> "NgramModel":
        counts: Dict[str, Counter] = defaultdict(Counter)
        word_counts: Dict[str, Counter] = defaultdict(Counter)
        for text, language in sentences:
            for word in _WORD.findall(text.lower()):
                counts[language].update(_ngrams(word))
                word_counts[language][fold(word)] += 1
        return cls(dict(counts), dict(word_counts))

    def to_dict(self) -> Dict[str, object]:
        return {"log_probs": self._log_probs, "unseen": self._unseen, "words": self._words}

    @classmethod
    def from_dict(cls, data: Dict[str, object]) -> "NgramModel":
        model = cls({}, {k: Counter(v) for k, v in data.get("words", {}).items()})
        model._log_probs = data["log_probs"]
        model._unseen = data["unseen"]
        return model

    def scores(self, words: List[str], languages: Iterable[str]) -> Dict[str, float]:
        languages = [lang for lang in languages if lang in self._log_probs]
        grams = [g for w in words for g in _ngrams(w)]
        result = {}
        for language in languages:
            table = self._log_probs[language]
            unseen = self._unseen[language]
            result[language] = sum(table.get(g, unseen) for g in grams) / max(1.0, math.sqrt(len(grams)))
        for word in (fold(w) for w in words):
            if not any(word in self._words.get(lang, {}) for lang in languages):
                continue  # a word never seen says nothing here; its n-grams have spoken
            for language in languages:
                count = self._words.get(language, {}).get(word, 0)
                total = self._word_totals.get(language, 0) + self.WORD_SMOOTHING * self._word_vocabulary
                result[language] += math.log((count + self.WORD_SMOOTHING) / total)
        return result


class LanguageIdentifier:
    def __init__(self, model: NgramModel, city_names: Iterable[str] = ()):
        self._model = model
        self._neutral = NEUTRAL_WORDS
        # Whole names, so that "Saint-Jean-de-la-Ruelle" does not make a message French.
        names = sorted({fold(n) for n in city_names}, key=len, reverse=True)
        separators = r"[\s\-']+"
        alternatives = "|".join(separators.join(map(re.escape, re.split(r"[\s\-']+", n))) for n in names)
        self._city_pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if names else None

    def informative_words(self, text: str) -> List[str]:
        text = self._without_city_names(text or "")
        words = [w.lower() for w in _WORD.findall(text)]
        # A lone letter ("m", "k") says nothing about the language.
        return [w for w in words if len(w) > 1 and fold(w) not in self._neutral]

    def _without_city_names(self, text: str) -> str:
        """The text with city names blanked out; accents elsewhere are kept (they are evidence)."""
        if self._city_pattern is None:
            return text
        folded, offsets = fold_with_offsets(text)
        characters = list(text)
        for match in self._city_pattern.finditer(folded):
            for index in range(offsets[match.start()], offsets[match.end() - 1] + 1):
                characters[index] = " "
        return "".join(characters)

    def detect(self, text: str, hint: Optional[str] = None) -> Detection:
        words = self.informative_words(text[:2000])
        if not words:
            return Detection(hint if hint in LANGUAGES else "en", 0.0)
        candidates = _script_candidates(" ".join(words))
        if len(candidates) == 1:
            return Detection(candidates[0], 0.99)
        scores = self._model.scores(words, candidates)
        for candidate in scores:
            if hint and candidate.split("-")[0] == hint:
                scores[candidate] += HINT_PRIOR
        if len(words) >= LANGDETECT_MIN_WORDS:
            for language, probability in _langdetect(" ".join(words), tuple(scores)).items():
                scores[language] += LANGDETECT_WEIGHT * math.log(max(probability, LANGDETECT_FLOOR))
        return _best(scores)


def _best(scores: Dict[str, float]) -> Detection:
    top = max(scores.values())
    weights = {lang: math.exp(score - top) for lang, score in scores.items()}
    total = sum(weights.values())
    best = max(weights, key=weights.get)
    # Arabizi and Arabic are one language: the confidence is the language's, both scripts.
    code, _, script = best.partition("-")
    confidence = sum(w for lang, w in weights.items() if lang.split("-")[0] == code) / total
    return Detection(code, confidence, "latin" if script else None)


def _langdetect(text: str, candidates: Tuple[str, ...]) -> Dict[str, float]:
    """langdetect's probabilities over the candidate languages (seeded: repeatable)."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        found = {r.lang: r.prob for r in detect_langs(text)}
    except LangDetectException:
        return {}
    return {lang: found.get(lang, 0.0) for lang in candidates}
