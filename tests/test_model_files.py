"""The danger model and the intent classifier as the server reads them from the model archive:
the files the training wrote, and the files of an archive trained before their formats changed
(joblib, Rasa's skops), give the same scores."""
import joblib
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from bot.components import emergency_detector, intent_classifier
from bot.components.emergency_detector import EmergencyDetector
from bot.components.intent_classifier import NormalizedLogisticRegressionClassifier
from bot.training_inputs import newest_model

MESSAGES = ["I need a doctor for my son", "my friend is not breathing", "ana bade doktor", "в квартирі пожежа",
            "this queue is killing me"]


@pytest.fixture
def archive(trained_model, tmp_path):
    """The newest model's storage, unpacked, and its nodes by component class."""
    storage, metadata = LocalModelStorage.from_model_archive(tmp_path / "model", newest_model(trained_model))
    nodes = {node.uses: node for node in metadata.predict_schema.nodes.values()}
    return storage, nodes


def loaded(component_class, storage, node, resource=None):
    config = {**component_class.get_default_config(), **node.config}
    return component_class.load(config, storage, resource or node.resource, ExecutionContext(GraphSchema({}), node_name="test"))


def trained_and_older(archive, component_class, model_file, write_older):
    """The component loaded from the trained archive (after checking that it holds
    `model_file`), and loaded again from a copy written in the older format by
    `write_older(component, directory, resource)`."""
    storage, nodes = archive
    node = nodes[component_class]
    with storage.read_from(node.resource) as directory:
        assert (directory / model_file).is_file()
    trained = loaded(component_class, storage, node)
    older = Resource(f"older-{component_class.__name__}")
    with storage.write_to(older) as directory:
        write_older(trained, directory, older)
    return trained, loaded(component_class, storage, node, older)


def test_the_danger_model_reads_back_alike_from_its_file_and_an_older_archives(archive):
    trained, older = trained_and_older(
        archive, EmergencyDetector, emergency_detector.MODEL_FILE,
        lambda component, directory, _: joblib.dump(component._model, directory / emergency_detector.JOBLIB_MODEL_FILE))
    model, older_model = trained._model, older._model
    assert model.threshold == older_model.threshold
    assert np.array_equal(model.scores(MESSAGES), older_model.scores(MESSAGES))
    assert model.is_danger(model.score(MESSAGES[1])) and not model.is_danger(model.score(MESSAGES[0]))


def test_the_intent_classifier_reads_back_alike_from_its_file_and_an_older_archives(archive):
    import skops.io

    trained, older = trained_and_older(  # the older file as Rasa's own classifier writes it
        archive, NormalizedLogisticRegressionClassifier, intent_classifier.MODEL_FILE,
        lambda component, directory, resource: skops.io.dump(component.clf, directory / f"{resource.name}.skops"))
    classifier, older_classifier = trained.clf, older.clf
    rows = np.random.default_rng(0).random((3, classifier.coef_.shape[1]))
    assert list(classifier.classes_) == list(older_classifier.classes_) and "emergency" in classifier.classes_
    assert np.array_equal(classifier.predict_proba(rows), older_classifier.predict_proba(rows))


def test_a_damaged_intent_weights_file_stops_the_model_loading_instead_of_leaving_it_untrained(archive):
    storage, nodes = archive
    node = nodes[NormalizedLogisticRegressionClassifier]
    damaged = Resource("damaged-intent-classifier")
    with storage.write_to(damaged) as directory:
        (directory / intent_classifier.MODEL_FILE).write_bytes(b"not the weights")
    with pytest.raises(ValueError):  # numpy's; it was taken for "no such resource" before
        loaded(NormalizedLogisticRegressionClassifier, storage, node, damaged)
    # and a classifier the model never trained is still created untrained, as Rasa's is
    assert not hasattr(loaded(NormalizedLogisticRegressionClassifier, storage, node, Resource("absent")).clf, "coef_")
