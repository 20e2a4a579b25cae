"""Rasa NLU component: Rasa's logistic-regression intent classifier, tuned for short chat.

Rasa's own LogisticRegressionClassifier fits raw n-gram counts with a fixed C=1.0: long
messages dominate and, with 23 intents, even right answers get low confidence and fall
back. This one scales every message's features to unit length and takes C from the config.
The sparse n-grams and the dense sentence embedding (bot/components/sentence_encoder.py) are
scaled apart, each to unit length, the embedding then by `dense_weight`: scaled together,
the many n-grams drown the embedding and it adds nothing.
"""
import warnings
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from bot.components import TrainedFromProjectFiles


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NormalizedLogisticRegressionClassifier(TrainedFromProjectFiles, LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 10.0, "dense_weight": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf = LogisticRegression(
            C=self.config["C"], solver=self.config["solver"], max_iter=self.config["max_iter"],
            class_weight="balanced", tol=self.config["tol"], random_state=self.config["random_state"],
        )

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        # Rasa's rows, sentence features sparse then dense, each block at unit length per row.
        blocks = []
        sparse = [message.get_sparse_features(attribute=TEXT)[1] for message in messages]
        if sparse and all(features is not None for features in sparse):
            blocks.append(normalize(vstack([csr_matrix(f.features) for f in sparse], format="csr")))
        dense = [message.get_dense_features(attribute=TEXT)[1] for message in messages]
        if dense and all(features is not None for features in dense):
            embeddings = normalize(np.vstack([f.features for f in dense])) * self.config["dense_weight"]
            blocks.append(csr_matrix(embeddings))
        if not blocks:  # as Rasa's: no features, no columns
            return csr_matrix((len(messages), 0))
        return blocks[0] if len(blocks) == 1 else hstack(blocks, format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        # A fixed number of solver passes is the budget chosen in config.yml, not a fault.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return super().train(training_data)

    @classmethod
    def load(cls, *args: Any, **kwargs: Any) -> "NormalizedLogisticRegressionClassifier":
        component = super().load(*args, **kwargs)
        # sklearn multiplies each message by coef_.T, and scipy copies a transposed row-major
        # matrix (12 languages' n-grams x 23 intents) on every call. Column-major weights
        # make coef_.T row-major: nothing is copied, the probabilities are the same.
        if hasattr(component.clf, "coef_"):
            component.clf.coef_ = np.asfortranarray(component.clf.coef_)
        return component
