"""Training reads the NLU files once (bot/training_nlu_data.py): the importers `rasa train`
builds get what they got before, a change made to one's data does not reach the next, and a
file that changed is read again."""
import pytest
from rasa.shared.importers import utils as importer_utils
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.importers.rasa import RasaFileImporter

from bot import training_nlu_data

NLU = """version: "3.1"
nlu:
- intent: health
  examples: |
    - I need a doctor
    - ana bade doktor
- intent: shelter
  examples: |
    - where can I sleep tonight
"""


@pytest.fixture
def reading_once(monkeypatch):
    rasas = RasaFileImporter.get_nlu_data
    assert training_nlu_data.install()
    reads = []
    read_files = importer_utils.training_data_from_paths
    monkeypatch.setattr(importer_utils, "training_data_from_paths", lambda *args: reads.append(args) or read_files(*args))
    yield reads
    RasaFileImporter.get_nlu_data = rasas


@pytest.fixture
def project(tmp_path):
    (tmp_path / "config.yml").write_text("recipe: default.v1\nlanguage: xx\npipeline: []\npolicies: []\n")
    (tmp_path / "domain.yml").write_text('version: "3.1"\nintents: [health, shelter]\n')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nlu.yml").write_text(NLU)
    return tmp_path


def importer(project):
    """An importer as `rasa train` builds one (it builds two: to check the data, to train)."""
    return TrainingDataImporter.load_from_config(
        str(project / "config.yml"), str(project / "domain.yml"), [str(project / "data")])


def texts(training_data):
    return sorted((m.get("text"), m.get("intent")) for m in training_data.nlu_examples)


def test_two_importers_read_the_files_once_per_language_and_get_the_same_data(reading_once, project):
    checking, training = importer(project), importer(project)
    checking.get_domain(), checking.get_nlu_data()
    first = training.get_nlu_data("xx")
    training.get_domain(), training.get_nlu_data()
    assert len(reading_once) == 2  # "en" (Rasa's default) and "xx" (config.yml), instead of five reads
    assert texts(first) == texts(training.get_nlu_data()) == [
        ("I need a doctor", "health"), ("ana bade doktor", "health"), ("where can I sleep tonight", "shelter")]


def test_what_one_importer_s_data_is_made_into_does_not_reach_the_next(reading_once, project):
    first = importer(project).get_nlu_data("xx")
    for message in first.training_examples:  # as the pipeline does to the data it trains on
        message.set("text", "__city__")
    assert "I need a doctor" in [text for text, _ in texts(importer(project).get_nlu_data("xx"))]
    assert len(reading_once) == 1


def test_a_file_that_changed_is_read_again(reading_once, project):
    assert len(importer(project).get_nlu_data("xx").nlu_examples) == 3
    (project / "data" / "nlu.yml").write_text(NLU + "    - a bed for tonight\n")
    assert len(importer(project).get_nlu_data("xx").nlu_examples) == 4
    assert len(reading_once) == 2
