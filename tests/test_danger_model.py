"""The danger model's own arithmetic, in process: its faster TF-IDF gives scikit-learn's
numbers, and a model read back from disk scores a message as the one that was trained."""
import pickle

import numpy as np
import pytest

from bot.danger_model import DangerModel, _normalise, lexicon_phrases

DANGER = ["he is not breathing", "my son drank bleach", "she cut her wrists, blood everywhere",
          "a man with a knife is at our door", "fire in the kitchen, the kids are inside"]
SAFE = ["this queue is killing me", "I was fired last week", "where can I learn Dutch?",
        "a fire last year burnt our papers, how do I get new ones?", "what is the number for an ambulance?"]
MESSAGES = ["my father fell and is not breathing", "I died laughing at the teacher", "Смех до смерти", "ana bade doktor"]


@pytest.fixture(scope="module")
def model() -> DangerModel:
    phrases = lexicon_phrases()[:50]
    texts = DANGER + SAFE + phrases
    labels = np.array([True] * len(DANGER) + [False] * len(SAFE) + [True] * len(phrases))
    return DangerModel._fit(texts, labels, phrases, C=10.0, threshold=0.45)


@pytest.mark.parametrize("block", ["chars", "words"])
def test_its_tf_idf_is_scikit_learns(model, block):
    folded = [_normalise(m) for m in MESSAGES]
    ours = model._tf_idf(block, folded).toarray()
    theirs = getattr(model, block).transform(folded).toarray()
    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, atol=1e-6)


def test_a_model_read_back_scores_as_the_trained_one(model):
    before = model.scores(MESSAGES)
    again = pickle.loads(pickle.dumps(model))
    assert np.allclose(again.scores(MESSAGES), before)
    assert min(again.scores(DANGER)) > max(again.scores(SAFE))


def test_a_long_message_is_scored_by_its_end_too(model):
    story = ("we came by bus from the south two months ago and I have been asking everywhere about "
             "the course and the papers and the school for the little one, and today")
    ending = "my father is not breathing"
    long_message = f"{story} {ending}"
    assert not model.is_danger(model.score(long_message))  # read as a whole, the story hides the cry
    assert model.is_danger(model.message_score(long_message))  # its end is read as the cry it is
    assert not model.is_danger(model.message_score(story))  # the story alone is no cry
    assert model.message_score(ending) == model.score(ending)  # a short message is read once
