"""The training's own fingerprints (bot/training_fingerprints.py) tell training data apart
exactly as Rasa's do: Rasa drops duplicate examples and reuses cached components by them."""
import copy

import numpy as np
import pytest
import scipy.sparse
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import training_fingerprints


RASAS = Message.fingerprint, Features.fingerprint


@pytest.fixture
def ours():
    assert training_fingerprints.install()
    yield
    Message.fingerprint, Features.fingerprint = RASAS


def tokenized(*examples):
    data = TrainingData([Message(data={"text": text, "intent": intent}) for text, intent in examples])
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    return data.training_examples


def with_features(message, matrix, origin="CountVectorsFeaturizer"):
    message = copy.deepcopy(message)
    message.add_features(Features(matrix, "sentence", "text", origin))
    return message


def test_duplicate_examples_are_dropped_and_every_other_is_kept(ours):
    texts = [("I need a doctor", "health"), ("i need a doctor", "health"), ("I need a doctor", "housing"),
             ("I need a doctor", "health"), ("ana bade doktor", "health")]
    kept = TrainingData.sanitize_examples(tokenized(*texts))
    assert [(m.get("text"), m.get("intent")) for m in kept] == [texts[0], texts[1], texts[2], texts[4]]


def test_each_difference_rasa_sees_changes_the_fingerprint(ours):
    doctor, = tokenized(("I need a doctor", "health"))
    other_token = copy.deepcopy(doctor)
    other_token.get("text_tokens")[1].set("lemma_of", "needed")
    reordered = Message(data=dict(reversed(list(doctor.data.items()))))
    row = scipy.sparse.csr_matrix(np.array([[0, 1, 0, 2]], dtype=np.float32))
    other_row = scipy.sparse.csr_matrix(np.array([[0, 2, 0, 1]], dtype=np.float32))
    dense = np.array([[0.5, 0.25]], dtype=np.float32)

    assert reordered.fingerprint() == doctor.fingerprint()  # the order of a dict does not count
    assert copy.deepcopy(doctor).fingerprint() == doctor.fingerprint()
    assert other_token.fingerprint() != doctor.fingerprint()
    assert with_features(doctor, row).fingerprint() == with_features(doctor, row.copy()).fingerprint()
    different = [doctor, with_features(doctor, row), with_features(doctor, other_row),
                 with_features(doctor, row, origin="another featurizer"), with_features(doctor, row.T.tocsr()),
                 with_features(doctor, dense), with_features(doctor, dense * 2)]
    assert len({message.fingerprint() for message in different}) == len(different)


def test_a_message_json_cannot_write_gets_rasas_own_fingerprint(ours):
    odd = Message(data={"text": "hello", "counts": {1: "one", "two": 2}})  # keys of two types
    same = Message(data={"text": "hello", "counts": {1: "one", "two": 2}})
    assert odd.fingerprint() == same.fingerprint()
    assert odd.fingerprint() != Message(data={"text": "hello"}).fingerprint()
