"""What a person needs, read from the model's guesses for one message.

One place for the rules that turn the intent ranking into needs: the topics to offer when
the bot is unsure, a second need beside the first ("a doctor, and a school for my son"),
and the question asked beside a cry for help.
"""
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.name_matching import fold
from knowledge.taxonomy import load_taxonomy

QUESTION_WORDS_FILE = Path(__file__).resolve().parent / "question_words.yml"

OFFERED_TOPICS = 3
# Below this, the top guess was right about half the time on the realistic development set
# (make eval), while the right topic was among the three offered in 8 of 10: ask, don't guess.
SAFE_ANSWER = 0.5
TOPIC_MIN_CONFIDENCE = 0.05   # a topic worth a button when the bot is unsure
# A second topic this likely is a second need, not noise. The intent model grew surer of its
# first guess as its data grew ("a doctor for my back, and a school for my son": 0.82 school,
# 0.18 health); at 0.15, 44 of the 432 realistic messages get a second button (39 at 0.2).
SECOND_NEED_MIN = 0.15
QUESTION_BESIDE_DANGER_MIN = 0.3
# Beside a cry for help, a topic is answered when the message asks something, or when the
# model is this sure of it. The topic the model reads in a cry is mostly noise (a toddler who
# drank bleach: school 0.54; smoke under the door: housing 0.64): on the development crisis
# sets, 824 of 1,166 cries got a topic beside 112, and 364 with this rule. A wrong topic the
# model is sure of still passes (a child lost at the market: school 0.84 to 0.91).
# An everyday question wrongly read as danger keeps its answer: 57 of the 59 answered right
# (the realistic sets) at 0.7, the highest bound keeping 95 % of them (measured 2026-12-07).
UNASKED_TOPIC_BESIDE_DANGER_MIN = 0.7


def service_intents() -> List[str]:
    """The intents the knowledge base answers (not emergency: the safety layer owns it)."""
    return [c for c in load_taxonomy().categories if c != "emergency"] + ["ask_human"]


def _ranked_services(parse: Dict) -> List[Dict]:
    wanted = set(service_intents())
    return [r for r in parse.get("intent_ranking") or [] if r.get("name") in wanted]


def likely_topics(parse: Dict) -> List[str]:
    """The two or three likeliest topics of a message the bot is unsure about."""
    ranked = [r for r in _ranked_services(parse) if (r.get("confidence") or 0) >= TOPIC_MIN_CONFIDENCE]
    return [r["name"] for r in ranked[:OFFERED_TOPICS]]


def unsure(parse: Dict, answered: str) -> bool:
    """Is the model's reading of this message too weak to answer without asking?"""
    intent = parse.get("intent") or {}
    return intent.get("name") == answered and (intent.get("confidence") or 0) < SAFE_ANSWER


def second_need(parse: Dict, answered: str) -> Optional[str]:
    """Another service the same message asks for, beside the one answered."""
    for guess in _ranked_services(parse)[:2]:
        if guess["name"] != answered and (guess.get("confidence") or 0) >= SECOND_NEED_MIN:
            return guess["name"]
    return None


def question_beside_danger(parse: Dict) -> Optional[str]:
    """The service asked for in a message read as danger ("he hits me, where is a shelter?")."""
    ranked = _ranked_services(parse)
    confidence = (ranked[0].get("confidence") or 0) if ranked else 0
    if confidence < QUESTION_BESIDE_DANGER_MIN:
        return None
    language = (parse.get("language") or {}).get("code")
    if confidence >= UNASKED_TOPIC_BESIDE_DANGER_MIN or asks_something(parse.get("text") or "", language):
        return ranked[0]["name"]
    return None


@lru_cache(maxsize=1)
def _question_words() -> Dict[str, List[str]]:
    words = yaml.safe_load(QUESTION_WORDS_FILE.read_text(encoding="utf-8")) or {}
    return {language: [fold(str(word)) for word in listed] for language, listed in words.items()}


def asks_something(message: str, language: Optional[str]) -> bool:
    """Does the message ask a question: a question mark (Greek writes ";"), or a word that
    asks in its language ("where", "is there", "kojast")?"""
    if "?" in message or "؟" in message or (language == "el" and ";" in message):
        return True
    words = " " + " ".join(re.findall(r"[\w'-]+", fold(message))) + " "
    return any(f" {word} " in words for word in _question_words().get(language, []))

