"""Fixes for two of Rasa 3.6's slow steps in a training, applied by bot/training_progress.py.
Neither changes what is trained: each component gets exactly the data Rasa's own code gives
it. Found by profiling a full training with py-spy (470 s under the profiler).

- The count featurizers: Rasa calls scikit-learn twice per message (its tokens, then the
  sentence): 60,000 calls for 15,000 training messages and two featurizers, whose fixed cost
  was most of the featurizers' 62 s. Here one call takes every message's tokens and another
  every sentence, and the rows are cut per message. A count vectorizer's rows do not depend
  on each other, so each message gets the very matrices Rasa's loop gives it.
- The fingerprints of messages and features (94 of the 470 s, a third of it in tokens). Rasa
  fingerprints every node's output for its cache, and every TrainingData it builds drops
  duplicate examples by their fingerprints, each time anew. Rasa hashes each value of a
  message on its own (each token: five md5 sums and a JSON text) and writes a sparse matrix
  out as a line of text per value before hashing it. Here a message is written once as JSON
  (keys sorted: the order of a dict does not count, as in Rasa's) and hashed once; a matrix is
  hashed from its bytes (kind, origin, attribute, shape, type, positions, values). Equal
  content still gives equal fingerprints and different content different ones, so Rasa's
  deduplication and cache decide as before. The hex strings differ from Rasa's own, so a
  training cache made before this change is not reused, once.
"""
import hashlib
import json
from typing import Any, List, Optional

import numpy as np
import scipy.sparse
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot import rasa_internals

_rasa_message_fingerprint = Message.fingerprint


def _create_features(self: CountVectorsFeaturizer, attribute: str, all_tokens: List[List[str]]):
    """Rasa's CountVectorsFeaturizer._create_features, one scikit-learn call per kind."""
    if not self.vectorizers.get(attribute):
        return [None], [None]
    vectorizer = self.vectorizers[attribute]
    sequence_features: List[Optional[scipy.sparse.spmatrix]] = [None] * len(all_tokens)
    sentence_features: List[Optional[scipy.sparse.spmatrix]] = [None] * len(all_tokens)
    present = [i for i, tokens in enumerate(all_tokens) if tokens]  # no tokens: nothing to featurize
    if not present:
        return sequence_features, sentence_features
    tokens = vectorizer.transform([token for i in present for token in all_tokens[i]])
    tokens.sort_indices()
    ends = np.cumsum([len(all_tokens[i]) for i in present])
    sentences = None
    if attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
        sentences = vectorizer.transform([" ".join(all_tokens[i]) for i in present])
        sentences.sort_indices()
    for row, (i, end) in enumerate(zip(present, ends)):
        sequence_features[i] = tokens[end - len(all_tokens[i]):end].tocoo()
        if sentences is not None:
            sentence_features[i] = sentences[row].tocoo()
    return sequence_features, sentence_features


def _matrix_bytes(matrix) -> bytes:
    if scipy.sparse.issparse(matrix):
        coordinates = matrix.tocoo()
        parts = (coordinates.row.astype(np.int64), coordinates.col.astype(np.int64), coordinates.data)
    else:
        parts = (np.asarray(matrix),)
    return b"".join(np.ascontiguousarray(part).tobytes() for part in parts)


def _features_fingerprint(self: Features) -> str:
    if self._cached_fingerprint is None:
        matrix = self.features
        described = json.dumps([self.type, self.origin, self.attribute, scipy.sparse.issparse(matrix),
                                list(matrix.shape), str(matrix.dtype)])
        digest = hashlib.md5(described.encode("utf-8"))  # nosec: a cache key, as Rasa's is
        digest.update(_matrix_bytes(matrix))
        self._cached_fingerprint = digest.hexdigest()
    return self._cached_fingerprint


def _written(value: Any) -> Any:
    """What JSON cannot write itself: a token as its parts, anything with a fingerprint as
    that (features), anything else as its text (as Rasa's own fingerprint does)."""
    if isinstance(value, Token):
        return ["token", value.text, value.start, value.end, value.lemma, value.data]
    if callable(getattr(value, "fingerprint", None)):
        return ["fingerprint", value.fingerprint()]
    return ["text", str(value)]


def _message_fingerprint(self: Message) -> str:
    if self._cached_fingerprint is None:
        try:
            written = json.dumps([self.data, self.features], sort_keys=True, default=_written,
                                 ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):  # keys JSON cannot sort: Rasa's own way
            return _rasa_message_fingerprint(self)
        self._cached_fingerprint = hashlib.md5(written.encode("utf-8", "surrogatepass")).hexdigest()  # nosec
    return self._cached_fingerprint


def install() -> bool:
    """Use these in this process (a training's); each part that Rasa's code under it is not
    the code it was written for is left out (Rasa's own runs). True when both are in."""
    featurizing = rasa_internals.unchanged(
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer:CountVectorsFeaturizer._create_features",
        purpose="the training's batched count featurizers (bot/training_speedups.py)")
    if featurizing:
        CountVectorsFeaturizer._create_features = _create_features
    fingerprints = rasa_internals.unchanged(
        "rasa.shared.nlu.training_data.features:Features.fingerprint",
        "rasa.shared.nlu.training_data.message:Message.fingerprint",
        purpose="the training's fingerprints (bot/training_speedups.py)")
    if fingerprints:
        Features.fingerprint = _features_fingerprint
        Message.fingerprint = _message_fingerprint
    return featurizing and fingerprints
