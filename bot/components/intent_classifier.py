"""Rasa NLU component: Rasa's logistic-regression intent classifier, tuned for short chat.

Rasa's own LogisticRegressionClassifier fits raw n-gram counts with a fixed C=1.0: long
messages dominate and, with 23 intents, even right answers get low confidence and fall
back. This one scales every message's features to unit length and takes C from the config.
The sparse n-grams and the dense sentence embedding (bot/components/sentence_encoder.py) are
scaled apart, each to unit length, the embedding then by `dense_weight`: scaled together,
the many n-grams drown the embedding and it adds nothing.
"""
import contextlib
import warnings
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from bot.components import TrainedFromProjectFiles

MODEL_FILE = "intent_classifier.npz"


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
        sparse = sentence_features(messages, sparse=True)
        if sparse is not None:
            blocks.append(normalize(sparse))
        dense = sentence_features(messages, sparse=False)
        if dense is not None:
            blocks.append(csr_matrix(normalize(dense) * self.config["dense_weight"]))
        if not blocks:  # as Rasa's: no features, no columns
            return csr_matrix((len(messages), 0))
        return blocks[0] if len(blocks) == 1 else hstack(blocks, format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        # A fixed number of solver passes is the budget chosen in config.yml, not a fault.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return super().train(training_data)

    def persist(self) -> None:
        # The fitted weights as plain arrays, read back by numpy alone: no code runs on loading,
        # and the server no longer imports skops (Rasa's format), which took 1.7 s of its start.
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / MODEL_FILE, coef=self.clf.coef_, intercept=self.clf.intercept_,
                     classes=self.clf.classes_)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "NormalizedLogisticRegressionClassifier":
        with contextlib.ExitStack() as reading:
            try:
                directory = reading.enter_context(model_storage.read_from(resource))
            except ValueError:  # no such resource: as Rasa's, an untrained classifier
                return cls.create(config, model_storage, resource, execution_context)
            # A damaged weights file fails the model's loading here, not each message later.
            if not (directory / MODEL_FILE).is_file():  # an archive trained before: Rasa's skops file
                component = super().load(config, model_storage, resource, execution_context, **kwargs)
            else:
                component = cls(config, execution_context.node_name, model_storage, resource)
                with np.load(directory / MODEL_FILE, allow_pickle=False) as weights:
                    component.clf.coef_ = weights["coef"]
                    component.clf.intercept_ = weights["intercept"]
                    component.clf.classes_ = weights["classes"]
                component.clf.n_features_in_ = component.clf.coef_.shape[1]
        # sklearn multiplies each message by coef_.T, and scipy copies a transposed row-major
        # matrix (12 languages' n-grams x 23 intents) on every call. Column-major weights
        # make coef_.T row-major: nothing is copied, the probabilities are the same.
        if hasattr(component.clf, "coef_"):
            component.clf.coef_ = np.asfortranarray(component.clf.coef_)
        return component


def sentence_features(messages: List[Message], sparse: bool):
    """The messages' sentence features of the text, sparse (a CSR matrix) or dense (an array),
    one row a message, each featurizer's columns in the order they ran, as Rasa's
    `get_sparse_features(TEXT)[1]` puts them side by side; None when a message has none.
    Rasa's way also combines every token's features, which are not used here: a third of
    the classifier's training time."""
    per_message = [
        [f.features for f in message.features
         if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse() == sparse]
        for message in messages
    ]
    if not per_message or not all(per_message):
        return None
    stack_rows, stack_columns = (vstack, hstack) if sparse else (np.vstack, np.hstack)
    featurizers = {len(parts) for parts in per_message}
    if len(featurizers) == 1:  # every message made by the same featurizers: one stack each
        columns = [stack_rows([parts[k] for parts in per_message]) for k in range(featurizers.pop())]
    else:
        columns = [stack_rows([stack_columns(parts) for parts in per_message])]
    if sparse:
        return columns[0].tocsr() if len(columns) == 1 else hstack(columns, format="csr")
    return columns[0] if len(columns) == 1 else np.hstack(columns)
