"""Unanswered questions grouped by similarity, so staff see what is asked most.

Two questions are alike when their character trigrams overlap enough (Jaccard), which
works in every script and survives typos and word order. Each question joins the most
similar group (compared with the group's first question) or starts a new one; an index
from trigram to groups keeps this near linear.
"""
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, FrozenSet, Iterable, List, Optional

SIMILARITY = 0.4
EXAMPLES = 5
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass
class Question:
    text: str
    asked_at: datetime
    language: Optional[str]
    city_id: Optional[str]
    intent: Optional[str] = None  # what the bot guessed, too unsure to answer


@dataclass
class QuestionGroup:
    examples: List[str] = field(default_factory=list)
    count: int = 0
    last_asked: Optional[datetime] = None
    languages: Counter = field(default_factory=Counter)
    cities: Counter = field(default_factory=Counter)
    intents: Counter = field(default_factory=Counter)

    def likely(self, counter: Counter, allowed) -> Optional[str]:
        """The most frequent value of the group that is one of `allowed` (e.g. a category)."""
        return next((value for value, _ in counter.most_common() if value in allowed), None)

    def add(self, question: Question) -> None:
        self.count += 1
        if question.text not in self.examples and len(self.examples) < EXAMPLES:
            self.examples.append(question.text)
        if self.last_asked is None or question.asked_at > self.last_asked:
            self.last_asked = question.asked_at
        self.languages[question.language or "?"] += 1
        self.cities[question.city_id or "?"] += 1
        if question.intent:
            self.intents[question.intent] += 1


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation: 'Où est le CPAS ?' -> 'ou est le cpas'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare).strip()


def trigrams(text: str) -> FrozenSet[str]:
    padded = f" {normalise(text)} "
    return frozenset(padded[i:i + 3] for i in range(len(padded) - 2)) or frozenset({padded})


def group_questions(questions: Iterable[Question], threshold: float = SIMILARITY) -> List[QuestionGroup]:
    """Groups, the most asked first (then the most recently asked)."""
    groups: List[QuestionGroup] = []
    leaders: List[FrozenSet[str]] = []
    index: Dict[str, List[int]] = defaultdict(list)
    for question in questions:
        grams = trigrams(question.text)
        shared = Counter(g for gram in grams for g in index.get(gram, ()))
        best, best_score = None, threshold
        for group_id, overlap in shared.items():
            score = overlap / (len(grams) + len(leaders[group_id]) - overlap)
            if score >= best_score:
                best, best_score = group_id, score
        if best is None:
            best = len(groups)
            groups.append(QuestionGroup())
            leaders.append(grams)
            for gram in grams:
                index[gram].append(best)
        groups[best].add(question)
    return sorted(groups, key=lambda g: (-g.count, -(g.last_asked.timestamp() if g.last_asked else 0)))
