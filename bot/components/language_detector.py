"""Rasa NLU component: detects the message's language and adds `language: {code, confidence}`.

Trained on the NLU examples (each intent block carries `metadata: {language: xx}`) and the
bot's own texts; see bot/language_id.py for how a language is decided.
"""
import json
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import language_id, transliteration
from bot.components import TrainedFromProjectFiles
from bot.danger_model import safety_files
from bot.language_id import LANGUAGES, LanguageIdentifier, NgramModel, romanized_class
from bot.transliteration import romanized_forms
from knowledge.taxonomy import load_taxonomy
from replies import texts

LANGUAGE_KEY = "language"
MODEL_FILE = "ngram_model.json"


def _city_names() -> List[str]:
    """The cities' own names in Latin letters ("Mechelen", "Saint-Jean-de-la-Ruelle"): users
    of every language type them, so they say nothing about the message's language. Names in
    another script ("Брюссель") or a language's own form ("Bruselas") do, and stay."""
    return [
        name for city in load_taxonomy().cities.values()
        for name in (city.id, city.name, *city.aliases) if name.isascii()
    ]


def training_sentences(training_data: TrainingData):
    """(text, class) pairs: NLU examples with a language (romanized ones as "<code>-latn"),
    the danger classifier's sentences, the bot's texts, and Russian, Ukrainian and Greek
    sentences transliterated as people type them in Latin letters."""
    for example in training_data.intent_examples:
        metadata = (example.get(METADATA) or {}).get(METADATA_INTENT) or {}
        language = metadata.get(LANGUAGE_KEY)
        if language in LANGUAGES and example.get(TEXT):
            yield from _with_latin_spellings(example.get(TEXT), language, metadata.get("script"))
    for file in safety_files():
        if file.language in LANGUAGES:
            for line in [*file.danger, *file.safe]:
                yield from _with_latin_spellings(line, file.language, file.script)
    for language in LANGUAGES:
        for value in texts.catalogue(language).values():
            yield str(value), language


def _with_latin_spellings(sentence: str, language: str, script: Optional[str]):
    yield sentence, romanized_class(language) if script == "latin" else language
    for spelling in romanized_forms(sentence, language, script):
        yield spelling, romanized_class(language)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageDetector(TrainedFromProjectFiles, GraphComponent):
    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls(model_storage, resource, NgramModel({}))

    def __init__(self, model_storage: ModelStorage, resource: Resource, model: NgramModel) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._identifier = LanguageIdentifier(model, _city_names())

    def train(self, training_data: TrainingData) -> Resource:
        model = NgramModel.train(training_sentences(training_data))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_text(json.dumps(model.to_dict()), encoding="utf-8")
        self._identifier = LanguageIdentifier(model, _city_names())
        return self._resource

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext, **kwargs: Any,
    ) -> "LanguageDetector":
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, NgramModel.from_dict(data))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            metadata = message.get(METADATA) or {}
            hint = metadata.get("language_hint") if isinstance(metadata, dict) else None
            detection = self._identifier.detect(message.get(TEXT) or "", hint=hint)
            message.set(LANGUAGE_KEY, detection.as_dict(), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
