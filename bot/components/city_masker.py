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

from bot.components import TrainedFromProjectFiles
from bot.name_matching import default_matcher
from knowledge.taxonomy import load_taxonomy

PLACEHOLDER = "__city__"


def mask_cities(message: Message) -> None:
    tokens = message.get(TOKENS_NAMES[TEXT])
    if not tokens:
        return
    # A region of communes ("Bruxelles-Capitale", knowledge/city_regions.yml) is a place too.
    places = ("city", "city_region")
    spans = [(m["start"], m["end"]) for m in default_matcher().find(message.get(TEXT) or "") if m["entity"] in places]
    for token in tokens:
        if any(token.start < end and token.end > start for start, end in spans):
            token.text = token.lemma = PLACEHOLDER


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class CityMasker(TrainedFromProjectFiles, GraphComponent):
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
        each example of a service category is also learnt followed by "<in> __city__", with
        the words that come before a city in that language's inform_city examples."""
        examples = training_data.training_examples
        for example in examples:
            mask_cities(example)
        before_city = _words_before_city(examples)
        categories = set(load_taxonomy().categories)
        with_city = []
        for index, example in enumerate(examples):
            tokens = example.get(TOKENS_NAMES[TEXT])
            words = before_city.get(_language_of(example)) or [""]
            if example.get(INTENT) in categories and tokens and all(t.text != PLACEHOLDER for t in tokens):
                preposition = words[index % len(words)]
                end = tokens[-1].end + 1
                added = [Token(preposition, end)] if preposition else []
                added.append(Token(PLACEHOLDER, end + len(preposition) + 1))
                copy = Message(data=dict(example.data), features=list(example.features))
                copy.set(TOKENS_NAMES[TEXT], [*tokens, *added])
                with_city.append(copy)
        # A new TrainingData: its lists of examples are computed once and cached.
        return TrainingData(
            training_examples=[*examples, *with_city],
            entity_synonyms=training_data.entity_synonyms,
            regex_features=training_data.regex_features,
            lookup_tables=training_data.lookup_tables,
            responses=training_data.responses,
        )


def _language_of(example: Message) -> str:
    metadata = example.get("metadata") or {}
    return ((metadata.get("intent") or {}) if isinstance(metadata, dict) else {}).get("language")


def _words_before_city(examples: List[Message]) -> Dict[str, List[str]]:
    """Per language, the words users put right before a city ("in", "à", "в", "في")."""
    found: Dict[str, List[str]] = {}
    for example in examples:
        if example.get(INTENT) != "inform_city":
            continue
        tokens = example.get(TOKENS_NAMES[TEXT]) or []
        for before, token in zip(tokens, tokens[1:]):
            if token.text == PLACEHOLDER and before.text != PLACEHOLDER:
                words = found.setdefault(_language_of(example), [])
                # short function words only ("in", "à", "в"), not "dzīvoju" (I live)
                if len(before.text) <= 4 and before.text.lower() not in words:
                    words.append(before.text.lower())
    return found
