"""Rasa's fingerprints of training messages and their features, made from one JSON text and
the matrices' bytes instead of a hash per value; applied by bot/training_progress.py.

A full training spent 94 of its 470 s under the profiler (py-spy) in message fingerprints, a
third of that in tokens. Rasa fingerprints every node's output for its cache, and every
TrainingData it builds drops duplicate examples by their fingerprints, each time anew. Rasa
3.6 hashes each value of a message on its own (each token: five md5 sums and a JSON text) and
writes a sparse matrix out as a line of text per value before hashing it.

Here a message is written once as JSON (keys sorted: the order of a dict does not count, as in
Rasa's) and hashed once; a matrix is hashed from its bytes (kind, origin, attribute, shape,
type, positions, values). Equal content still gives equal fingerprints and different content
different ones, so Rasa's deduplication and cache decide as before, and the components are
trained on the same data. The hex strings differ from Rasa's own, so a training cache made
before this change is not reused, once.
"""
import hashlib
import json
from typing import Any

import numpy as np
import scipy.sparse
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot import rasa_internals

_rasa_message_fingerprint = Message.fingerprint


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
        except (TypeError, ValueError, RecursionError):  # unsortable keys, circular values: Rasa's own way
            return _rasa_message_fingerprint(self)
        self._cached_fingerprint = hashlib.md5(written.encode("utf-8", "surrogatepass")).hexdigest()  # nosec
    return self._cached_fingerprint


def install() -> bool:
    """Use these fingerprints in this process (a training's); False, and Rasa's own, when
    Rasa's code under them is not the code they were written for."""
    if not rasa_internals.unchanged("rasa.shared.nlu.training_data.features:Features.fingerprint",
                                    "rasa.shared.nlu.training_data.message:Message.fingerprint",
                                    purpose="the training's fingerprints (bot/training_fingerprints.py)"):
        return False
    Features.fingerprint = _features_fingerprint
    Message.fingerprint = _message_fingerprint
    return True
