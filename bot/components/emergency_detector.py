"""Rasa NLU component: the safety layer. Is someone in danger now?

Runs last, after the intent classifier and the fallback, so that nothing can hide a cry for
help. Every message gets `emergency: {score, danger}` (in /model/parse too). When danger is
likely the intent becomes `emergency` (the dialogue answers 112 first); the classifier's own
ranking stays behind it, so the bot can still answer what was asked. The model and how its
threshold is chosen: bot/danger_model.py.
"""
import pickle  # nosec: the model's own file, written by this component in the model archive
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import danger_model, suicide, transliteration
from bot.components import TrainedFromProjectFiles
from bot.danger_model import DangerExample, DangerModel, safety_examples

EMERGENCY = "emergency"
EMERGENCY_KEY = "emergency"
# Written with pickle's own (C) writer and read by its reader: joblib's reader unpickles in
# Python, and the vocabularies' 477,000 n-grams took 1.9 s of the server's start (0.13 s now).
MODEL_FILE = "danger_model.pickle"
JOBLIB_MODEL_FILE = "danger_model.joblib"  # archives trained before that change


def nlu_examples(training_data: TrainingData):
    """The NLU examples as danger (the emergency intent) or not (every other intent); their
    Latin spellings are among them already (bot/components/chat_spellings.py)."""
    for example in training_data.intent_examples:
        text = example.get(TEXT)
        if text:
            yield DangerExample(text, example.get(INTENT) == EMERGENCY)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmergencyDetector(TrainedFromProjectFiles, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # use_embeddings: read the sentence encoder's embedding beside the words
        return {"use_embeddings": False}

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext,
    ) -> "EmergencyDetector":
        return cls(model_storage, resource, None, config)

    @staticmethod
    def files_read() -> List[Path]:
        """What the danger model is trained from: its code, the safety data, the lexicon and
        the suicide words (bot/training_inputs.py must count every one of them)."""
        return [Path(danger_model.__file__), Path(transliteration.__file__), Path(suicide.__file__),
                *sorted(danger_model.SAFETY_DATA_DIR.glob("*.yml")), *sorted(danger_model.LEXICON_DIR.glob("*.txt")),
                *sorted(suicide.WORDS_DIR.glob("*.txt"))]

    def __init__(self, model_storage: ModelStorage, resource: Resource, model: Optional[DangerModel],
                 config: Optional[Dict[Text, Any]] = None) -> None:
        self._config = {**self.get_default_config(), **(config or {})}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    def train(self, training_data: TrainingData) -> Resource:
        examples = [*safety_examples(chat_spellings=True), *nlu_examples(training_data)]
        self._model = DangerModel.train(examples, use_embeddings=self._config["use_embeddings"])
        with self._model_storage.write_to(self._resource) as directory, open(directory / MODEL_FILE, "wb") as file:
            pickle.dump(self._model, file, protocol=pickle.HIGHEST_PROTOCOL)
        return self._resource

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage,
        resource: Resource, execution_context: ExecutionContext, **kwargs: Any,
    ) -> "EmergencyDetector":
        with model_storage.read_from(resource) as directory:
            if (directory / MODEL_FILE).is_file():
                with open(directory / MODEL_FILE, "rb") as file:
                    model = pickle.load(file)  # nosec: see MODEL_FILE
            else:
                model = joblib.load(directory / JOBLIB_MODEL_FILE)
        return cls(model_storage, resource, model, config)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        for message in messages:
            dense = message.get_dense_features(TEXT)[1] if self._model.uses_embeddings else None
            score = self._model.message_score(message.get(TEXT) or "", dense.features if dense is not None else None)
            danger = self._model.is_danger(score)
            message.set(EMERGENCY_KEY, {"score": round(score, 3), "danger": danger}, add_to_output=True)
            # The safety layer alone decides about danger: the intent model's own guess of
            # "emergency" gives way to it, up front when there is danger, out otherwise.
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != EMERGENCY]
            if danger:
                ranking = [{"name": EMERGENCY, "confidence": 1.0}, *ranking]
            elif (message.get(INTENT) or {}).get("name") != EMERGENCY or not ranking:
                continue
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
