"""Training packs the model archive at gzip's fastest level (bot/training_archive.py), and Rasa
reads that archive back as it reads its own."""
import tarfile

import pytest
from rasa.engine.graph import GraphModelConfiguration, GraphSchema
from rasa.engine.storage import local_model_storage
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.data import TrainingType

from bot import training_archive

# The gzip header's XFL byte: 2 when the compressor used its slowest level, 4 its fastest.
SLOWEST, FASTEST = 2, 4
WEIGHTS = b"\x00\x01\x02\x03 weights of a component " * 50_000


@pytest.fixture
def fast_packing():
    rasas = local_model_storage.TarSafe
    assert training_archive.install()
    yield
    local_model_storage.TarSafe = rasas


def packed_model(tmp_path):
    """An archive of a model storage holding one component's file, as training ends."""
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    with storage.write_to(Resource("component")) as directory:
        (directory / "weights.bin").write_bytes(WEIGHTS)
    configuration = GraphModelConfiguration(GraphSchema({}), GraphSchema({}), TrainingType.BOTH, "inclubot", "xx", None, None)
    archive = tmp_path / "model.tar.gz"
    storage.create_model_package(archive, configuration, Domain.empty())
    return archive


def compression_of(archive) -> int:
    return archive.read_bytes()[8]


def test_training_packs_at_the_fastest_level_and_rasa_reads_it_back(fast_packing, tmp_path):
    archive = packed_model(tmp_path)
    assert compression_of(archive) == FASTEST
    metadata = LocalModelStorage.metadata_from_archive(archive)  # as the server reads it
    assert metadata.language == "xx" and metadata.assistant_id == "inclubot"
    with tarfile.open(archive, "r:gz") as tar:
        assert tar.extractfile("components/component/weights.bin").read() == WEIGHTS


def test_without_it_rasa_packs_at_its_own_slowest_level(tmp_path):
    assert compression_of(packed_model(tmp_path)) == SLOWEST
