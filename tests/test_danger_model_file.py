"""The danger model as the server reads it from the model archive: the file the training wrote,
and the file of an archive trained before its format changed (joblib), score alike."""
import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from bot.components.emergency_detector import JOBLIB_MODEL_FILE, MODEL_FILE, EmergencyDetector
from bot.training_inputs import newest_model

MESSAGES = ["I need a doctor for my son", "my friend is not breathing", "ana bade doktor", "в квартирі пожежа",
            "this queue is killing me"]


def detector(storage, resource) -> EmergencyDetector:
    config = {**EmergencyDetector.get_default_config(), "use_embeddings": True}
    return EmergencyDetector.load(config, storage, resource, ExecutionContext(GraphSchema({})))


def test_the_trained_file_and_an_older_archives_file_read_back_alike(trained_model, tmp_path):
    storage, metadata = LocalModelStorage.from_model_archive(tmp_path / "model", newest_model(trained_model))
    node = next(name for name, node in metadata.predict_schema.nodes.items() if node.uses is EmergencyDetector)
    resource = metadata.predict_schema.nodes[node].resource
    with storage.read_from(resource) as directory:
        assert (directory / MODEL_FILE).is_file()
    model = detector(storage, resource)._model

    older = Resource("older-danger-model")
    with storage.write_to(older) as directory:
        joblib.dump(model, directory / JOBLIB_MODEL_FILE)
    older_model = detector(storage, older)._model

    assert model.threshold == older_model.threshold
    assert np.array_equal(model.scores(MESSAGES), older_model.scores(MESSAGES))
    assert model.is_danger(model.score(MESSAGES[1])) and not model.is_danger(model.score(MESSAGES[0]))
