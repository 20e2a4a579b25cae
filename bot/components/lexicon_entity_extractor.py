"""Rasa NLU component: `city` and `language_choice` entities from the project's lexicons."""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components import TrainedFromProjectFiles
from bot.name_matching import default_matcher

MAX_SCANNED_CHARS = 2000  # names are found near the start; a 50,000-char paste is not scanned whole


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LexiconEntityExtractor(TrainedFromProjectFiles, GraphComponent, EntityExtractorMixin):
    """City names and aliases in every script, and names of languages, as taxonomy ids."""

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext,
    ) -> "LexiconEntityExtractor":
        return cls()

    def __init__(self) -> None:
        self._matcher = default_matcher()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = [
                {
                    "entity": match["entity"], "value": match["value"],
                    "start": match["start"], "end": match["end"],
                    "extractor": self.__class__.__name__, "confidence_entity": 1.0,
                }
                for match in self._matcher.find((message.get(TEXT) or "")[:MAX_SCANNED_CHARS])
            ]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
