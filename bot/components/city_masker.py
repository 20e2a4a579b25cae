"""Rasa NLU component: city names become one placeholder word before intents are learnt.

"I need a doctor in Jelgava" is about health; without this, the strong n-grams of
"Jelgava" (seen in every inform_city example) pull it to inform_city. With every city,
in any script, read as "__city__", the model learns "live in __city__" (inform_city) and
"doctor" (health) from what they really say. Runs after the tokenizer and before the
featurizers; the entity extractor has already read the real names.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.name_matching import default_matcher
from knowledge.taxonomy import load_taxonomy

PLACEHOLDER = "__city__"


def mask_cities(message: Message) -> None:
    tokens = message.get(TOKENS_NAMES[TEXT])
    if not tokens:
        return
    spans = [(m["start"], m["end"]) for m in default_matcher().find(message.get(TEXT) or "") if m["entity"] == "city"]
    for token in tokens:
        if any(token.start < end and token.end > start for start, end in spans):
            token.text = token.lemma = PLACEHOLDER


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class CityMasker(GraphComponent):
    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext,
    ) -> "CityMasker":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            mask_cities(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Masks the training examples, and teaches that a city can come with any question:
        each example of a service category is also learnt with a city after it."""
        categories = set(load_taxonomy().categories)
        with_city = []
        for example in training_data.training_examples:
            mask_cities(example)
            tokens = example.get(TOKENS_NAMES[TEXT])
            if example.get(INTENT) in categories and tokens and all(t.text != PLACEHOLDER for t in tokens):
                copy = Message(data=dict(example.data), features=list(example.features))
                end = tokens[-1].end + 1
                copy.set(TOKENS_NAMES[TEXT], [*tokens, Token(PLACEHOLDER, end)])
                with_city.append(copy)
        training_data.training_examples.extend(with_city)
        return training_data
