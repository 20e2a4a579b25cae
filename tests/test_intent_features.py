"""The intent classifier's rows (bot/components/intent_classifier.py) are the sentence
features Rasa would give it, side by side in the order the featurizers ran: taken without
Rasa's combination of every token's features, which the classifier does not read."""
import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.intent_classifier import sentence_features

EXAMPLES = [("I need a doctor", "health"), ("where can I sleep tonight", "shelter"),
            ("ana bade doktor", "health"), ("школа для сина", "education")]


def featurized(tmp_path):
    data = TrainingData([Message(data={"text": text, "intent": intent}) for text, intent in EXAMPLES])
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    storage = LocalModelStorage(tmp_path)
    for name, settings in [("words", {}), ("chars", {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4})]:
        featurizer = CountVectorsFeaturizer.create(
            {**CountVectorsFeaturizer.get_default_config(), **settings}, storage, Resource(name),
            ExecutionContext(GraphSchema({}), node_name=name))
        featurizer.train(data)
        featurizer.process_training_data(data)
    return data.training_examples


def rasas_rows(messages):
    return scipy.sparse.vstack([m.get_sparse_features(TEXT)[1].features for m in messages], format="csr")


def test_the_rows_are_rasas_sentence_features_of_every_featurizer(tmp_path):
    messages = featurized(tmp_path)
    rows = sentence_features(messages, sparse=True)
    assert rows.shape[0] == len(EXAMPLES) and rows.shape[1] > 100  # words and character n-grams
    assert (rows != rasas_rows(messages)).nnz == 0


def test_messages_whose_features_came_in_other_parts_still_get_rasas_rows(tmp_path):
    messages = featurized(tmp_path)
    first = messages[0]
    words, chars = [f for f in first.features if f.type == "sentence"]
    first.features = [f for f in first.features if f.type != "sentence"]
    first.add_features(Features(scipy.sparse.hstack([words.features, chars.features]), "sentence", TEXT, "both"))
    assert (sentence_features(messages, sparse=True) != rasas_rows(messages)).nnz == 0


def test_dense_sentence_features_and_messages_without_any(tmp_path):
    messages = featurized(tmp_path)
    embeddings = np.arange(len(messages) * 4, dtype=np.float32).reshape(len(messages), 4)
    for message, embedding in zip(messages, embeddings):
        message.add_features(Features(embedding.reshape(1, -1), "sentence", TEXT, "encoder"))
    assert np.array_equal(sentence_features(messages, sparse=False), embeddings)
    assert sentence_features(messages + [Message(data={"text": "hi"})], sparse=True) is None
