"""Rasa NLU component: Russian, Ukrainian and Greek training sentences in Latin letters too.

People type translit and Greeklish ("mne nuzhen vrach", "thelo giatro"), and the hand-written
romanized data is a few hundred lines. So at training time every intent example written in
Cyrillic or Greek is added once more as chats spell it in Latin letters (bot/transliteration.py;
standard and chat spellings alternate, one per sentence), and the classifiers after this
component learn both. A message being answered passes unchanged.
"""
import zlib
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components import TrainedFromProjectFiles
from bot.transliteration import romanized_forms


def chat_spelling_examples(examples: List[Message]) -> List[Message]:
    """For each native-script example of a language with a transliteration rule, the same
    example in one Latin spelling, marked `script: latin` as the hand-written ones are."""
    added = []
    for example in examples:
        metadata = example.get(METADATA) or {}
        intent_metadata = metadata.get(METADATA_INTENT) or {}
        spellings = romanized_forms(example.get(TEXT) or "", intent_metadata.get("language"), intent_metadata.get("script"))
        if not spellings or not example.get(INTENT):
            continue
        # Which spelling is fixed by the text, so a retraining sees the same data.
        spelling = spellings[zlib.crc32(example.get(TEXT).encode("utf-8")) % len(spellings)]
        added.append(Message(data={
            TEXT: spelling, INTENT: example.get(INTENT),
            METADATA: {**metadata, METADATA_INTENT: {**intent_metadata, "script": "latin"}},
        }))
    return added


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ChatSpellings(TrainedFromProjectFiles, GraphComponent):
    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext,
    ) -> "ChatSpellings":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        added = chat_spelling_examples(training_data.intent_examples)
        return training_data.merge(TrainingData(training_examples=added)) if added else training_data

    def process(self, messages: List[Message]) -> List[Message]:
        return messages
