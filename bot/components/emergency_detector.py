"""Rasa NLU component: a safety net that makes sure a cry for help is answered with 112.

The intent model can miss "спасите!" or "imdat!" (one word, or a rare spelling). Words and
phrases that on their own mean danger now, in the 12 languages (bot/emergency_words/),
set the intent to `emergency`, whatever the model or the fallback said. A false alarm
costs a message about 112; a missed one costs far more.
"""
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.name_matching import fold

WORDS_DIR = Path(__file__).resolve().parent.parent / "emergency_words"
EMERGENCY = "emergency"


@lru_cache(maxsize=1)
def emergency_pattern() -> re.Pattern:
    phrases = set()
    for path in sorted(WORDS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                phrases.add(fold(line))
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    # Whole words only: "fire" must not fire on "firewall".
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if phrases else re.compile(r"(?!x)x")


def is_emergency(text: str) -> bool:
    return bool(emergency_pattern().search(fold(text or "")))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyDetector(GraphComponent):
    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext,
    ) -> "EmergencyDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not is_emergency((message.get(TEXT) or "")[:2000]):
                continue
            intent = {"name": EMERGENCY, "confidence": 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
