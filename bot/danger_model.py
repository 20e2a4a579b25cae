"""Is someone in danger now? A classifier that reads the whole message, not single words.

Trained on data/safety/ (danger now, and look-alikes: idioms, past events, worries, questions
about emergency numbers, "fired"), on the NLU examples (the emergency intent is danger; every
other intent is not) and on the lexicon of bot/emergency_words/ (each line a cry for help on
its own). Features: character n-grams of the folded text (they carry every script, typos and
romanized spellings), word uni- and bigrams (they carry "killing me" vs "killing him"), and
whether a lexicon phrase occurs, as one more feature whose weight the model learns (and
again scaled by the message's length, so that in a long message the rest of it counts), and
whether the message speaks of ending one's life (bot/suicide.py: "en finir", "farla finita"
are everyday words too, so the model weighs it against the rest of the message); and,
when the sentence encoder is installed, the sentence's embedding (meaning beyond the words).

The decision threshold is chosen for recall, on the development crisis sets (see THRESHOLD).
A false alarm costs one message about 112; a miss can cost a life.
"""
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import yaml
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from bot.name_matching import fold
from bot.sentence_embedding import DIMENSIONS as EMBEDDING_DIMENSIONS, embed
from bot.settings import PROJECT_ROOT
from bot.suicide import speaks_of_suicide
from bot.transliteration import romanized_forms

SAFETY_DATA_DIR = PROJECT_ROOT / "data" / "safety"
LEXICON_DIR = Path(__file__).resolve().parent / "emergency_words"
# The highest threshold that misses no danger message of the development crisis sets
# (bench/nlu_eval.py's DEVELOPMENT_CRISIS_SETS; make eval's "Danger threshold" table shows it
# for the model it reads). 0.22 missed none of their 1,166 (false alarms 7.1 %); with the
# care-question data (data/safety/*_care.yml) it is 0.219 (research/danger_sweep/). It was
# once taken by 4-fold cross-validation on the training data (the threshold keeping 0.96 of
# its danger messages), capped here; as the look-alikes grew harder that gave 0.31, which
# missed 6 of them, so the cap always decided. Without those four extra fits the model trains
# in 46 s instead of 115 s (its embeddings cached; the same model, the same make eval).
THRESHOLD = 0.219
LEXICON_WEIGHT = 1.0  # the lexicon feature's value before the model weighs it
# A lexicon word in a long message ("a fire last year, now I need a flat") is weighed apart
# from one in a short cry ("fire!"): the model learns how much the rest of a message counts.
LONG_MESSAGE_WORDS = 20
EMBEDDING_WEIGHT = 2.0  # fewer false alarms at equal recall than 1.0, in cross-validation
# The end of a long message (over LONG_MESSAGE_WORDS) is also read on its own. Measured on
# tests/crisis_long/ (long messages, danger late or not at all): recall 0.70 -> 0.88 (make
# eval) at unchanged false alarms there and on the other crisis sets; a long look-alike's
# windows or sentences read alone raised false alarms to 50-80 % (a past danger told in a
# story reads as present without the story), the last 15 words did not.
TAIL_WORDS = 15
# A long message that is not plainly safe as a whole, with one stretch of it (TAIL_WORDS
# words, every WINDOW_STEP) that reads as an unmistakable cry, is danger: the danger told in
# the middle, between two questions. The pair that added no false alarm on the development
# crisis sets (tests/crisis* up to the sixth; 0.15 and 0.9 added 4); stretches read alone
# at 0.9 raise false alarms on tests/crisis_long/ to a quarter (past dangers told in a story).
LEANING_TO_DANGER = 0.05
CLEAR_CRY = 0.995
WINDOW_STEP = 5
MAX_CHARS = 2000


@dataclass(frozen=True)
class DangerExample:
    text: str
    danger: bool


def lexicon_phrases() -> List[str]:
    phrases = set()
    for path in sorted(LEXICON_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                phrases.add(fold(line))
    return sorted(phrases, key=lambda phrase: (-len(phrase), phrase))  # longest first; the same order every run


def lexicon_pattern(phrases: Sequence[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(p) for p in phrases)
    # Whole words only: "fire" must not match "firewall".
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if phrases else re.compile(r"(?!x)x")


@dataclass(frozen=True)
class SafetyFile:
    """One file of data/safety/: its language, its script ("latin" when romanized), its lines."""
    language: str
    script: Optional[str]
    danger: List[str]
    safe: List[str]


def safety_files(directory: Path = SAFETY_DATA_DIR) -> Iterable[SafetyFile]:
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        lines = {key: [str(line).strip() for line in data.get(key) or [] if str(line).strip()] for key in ("danger", "safe")}
        yield SafetyFile(data.get("language"), data.get("script"), lines["danger"], lines["safe"])


def safety_examples(directory: Path = SAFETY_DATA_DIR, chat_spellings: bool = False) -> Iterable[DangerExample]:
    """The danger and look-alike lines of data/safety/*.yml (with chat spellings: see below)."""
    for file in safety_files(directory):
        examples = [*(DangerExample(line, True) for line in file.danger), *(DangerExample(line, False) for line in file.safe)]
        yield from with_chat_spelling(examples, file.language, file.script) if chat_spellings else examples


def with_chat_spelling(examples: Iterable[DangerExample], language: str, script: str = None) -> Iterable[DangerExample]:
    """The examples, and for Russian, Ukrainian and Greek in their own script the same in
    Latin letters as chats write them: romanized messages then have look-alikes as well."""
    for example in examples:
        yield example
        spellings = romanized_forms(example.text, language, script)
        if spellings:
            yield DangerExample(spellings[-1], example.danger)


def _normalise(text: str) -> str:
    # Digits stay: Arabizi writes letters with them (3 = ع, 7 = ح).
    return fold((text or "")[:MAX_CHARS])


class DangerModel:
    """Scores a message from 0 (no danger) to 1 (danger now)."""

    def __init__(self, chars: TfidfVectorizer, words: TfidfVectorizer, classifier: LogisticRegression,
                 phrases: Sequence[str], threshold: float, uses_embeddings: bool = False):
        self.uses_embeddings = uses_embeddings
        self.chars = chars
        self.words = words
        self.classifier = classifier
        self.phrases = list(phrases)
        self.threshold = threshold
        self._lexicon = lexicon_pattern(self.phrases)
        self._idf_weights = self._idf_weights_of(chars, words)

    # -- features -------------------------------------------------------------------------
    @staticmethod
    def _vectorizers() -> Tuple[TfidfVectorizer, TfidfVectorizer]:
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                                lowercase=False, dtype=np.float32)
        words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                lowercase=False, token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
        return chars, words

    def _features(self, texts: List[str], embeddings: Optional[np.ndarray] = None) -> csr_matrix:
        folded = [_normalise(t) for t in texts]
        lexicon = csr_matrix(np.array([self._word_features(t) for t in folded], dtype=np.float32))
        blocks = [self._tf_idf("chars", folded), self._tf_idf("words", folded), lexicon]
        if self.uses_embeddings:
            if embeddings is None:
                embeddings = embed(texts)
            if embeddings is None:  # trained with the encoder, which is gone: words alone
                embeddings = np.zeros((len(texts), EMBEDDING_DIMENSIONS), np.float32)
            blocks.append(csr_matrix(embeddings * EMBEDDING_WEIGHT))
        return hstack(blocks, format="csr")

    @staticmethod
    def _idf_weights_of(chars: TfidfVectorizer, words: TfidfVectorizer) -> Dict[str, np.ndarray]:
        """The fitted vectorizers' idf weights, taken once: scikit-learn 1.1 sums them anew
        over the whole vocabulary on every transform (6 % of a message's time)."""
        return {"chars": chars.idf_.astype(np.float32), "words": words.idf_.astype(np.float32)}

    def _tf_idf(self, block: str, folded: List[str]) -> csr_matrix:
        """The `chars` or `words` vectorizer's transform(folded), with the weights above."""
        vectorizer: TfidfVectorizer = getattr(self, block)
        counts = CountVectorizer.transform(vectorizer, folded)
        if vectorizer.sublinear_tf:
            np.log(counts.data, counts.data)
            counts.data += 1
        counts.data *= self._idf_weights[block][counts.indices]
        return normalize(counts, norm=vectorizer.norm, copy=False)

    def __getstate__(self):
        # The weights are the vectorizers' own: not stored twice, taken again when read back.
        return {key: value for key, value in self.__dict__.items() if key != "_idf_weights"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._idf_weights = self._idf_weights_of(self.chars, self.words)

    def _word_features(self, folded: str) -> List[float]:
        """A lexicon hit, the same scaled by the message's length, and suicide words."""
        hit = LEXICON_WEIGHT if self._lexicon.search(folded) else 0.0
        length = min(len(folded.split()), LONG_MESSAGE_WORDS) / LONG_MESSAGE_WORDS
        return [hit, hit * length, LEXICON_WEIGHT if speaks_of_suicide(folded) else 0.0]

    # -- training ---------------------------------------------------------------------------
    @classmethod
    def train(cls, examples: Sequence[DangerExample], C: float = 10.0, use_embeddings: bool = False) -> "DangerModel":
        """The model on all examples (and every lexicon phrase as a cry), at THRESHOLD."""
        phrases = lexicon_phrases()
        texts = [e.text for e in examples] + phrases
        labels = np.array([e.danger for e in examples] + [True] * len(phrases))
        embeddings = embed(texts, training=True) if use_embeddings else None
        return cls._fit(texts, labels, phrases, C, THRESHOLD, embeddings)

    @classmethod
    def _fit(cls, texts, labels, phrases, C: float, threshold: float, embeddings=None) -> "DangerModel":
        chars, words = cls._vectorizers()
        folded = [_normalise(t) for t in texts]
        chars.fit(folded)
        words.fit(folded)
        chars.stop_words_ = words.stop_words_ = None  # the pruned n-grams: megabytes never read
        classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=3000, solver="liblinear", random_state=0)
        model = cls(chars, words, classifier, phrases, threshold, uses_embeddings=embeddings is not None)
        classifier.fit(model._features(texts, embeddings), labels)
        return model

    # -- use ----------------------------------------------------------------------------------
    def scores(self, texts: List[str], embeddings: Optional[np.ndarray] = None) -> np.ndarray:
        danger_column = list(self.classifier.classes_).index(True)
        return self.classifier.predict_proba(self._features(texts, embeddings))[:, danger_column]

    def score(self, text: str, embedding: Optional[np.ndarray] = None) -> float:
        return float(self.scores([text], None if embedding is None else embedding.reshape(1, -1))[0])

    def message_score(self, text: str, embedding: Optional[np.ndarray] = None) -> float:
        """The message's score. A long one is also read in parts, and the higher score
        counts: a story that ends in danger now ("I wanted to ask about the course, but now
        my roommate fell and is shaking") reads, as a whole, as the story it mostly is. Its
        last TAIL_WORDS words always count; a stretch in the middle only when it is an
        unmistakable cry in a message that is not plainly safe (see LEANING_TO_DANGER)."""
        whole = self.score(text, embedding)
        words = (text or "")[:MAX_CHARS].split()
        if len(words) <= LONG_MESSAGE_WORDS:
            return whole
        score = max(whole, self.score(" ".join(words[-TAIL_WORDS:])))
        if whole >= LEANING_TO_DANGER and not self.is_danger(score):  # parts read only when they can decide
            stretches = [" ".join(words[start:start + TAIL_WORDS]) for start in range(0, len(words) - TAIL_WORDS, WINDOW_STEP)]
            clearest = float(self.scores(stretches).max()) if stretches else 0.0
            if clearest >= CLEAR_CRY:
                score = clearest
        return score

    def is_danger(self, score: float) -> bool:
        return score >= self.threshold

    def lexicon_hit(self, text: str) -> Optional[str]:
        match = self._lexicon.search(_normalise(text))
        return match.group(0) if match else None

    def describe(self) -> Dict[str, object]:
        return {"threshold": round(self.threshold, 3), "lexicon_phrases": len(self.phrases)}
