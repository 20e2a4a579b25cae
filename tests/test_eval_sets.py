"""The evaluation sets stay evaluation sets: big enough, and never in the training data."""
import functools
import re
from pathlib import Path

import pytest
import yaml

from bench.nlu_eval import (
    CARE_CRISIS_DIR, CRISIS_DIR, CRISIS_SETS, FIFTH_CRISIS_DIR, FOURTH_CRISIS_DIR, FRESH_CRISIS_DIR, LONG_CRISIS_DIR, REALISTIC_SETS, SEVENTH_CRISIS_DIR, SIXTH_CRISIS_DIR,
    THIRD_CRISIS_DIR,
    held_out, message_set,
)
from bot.danger_model import SAFETY_DATA_DIR, safety_examples
from bot.name_matching import fold
from knowledge.taxonomy import load_taxonomy

NLU_DIR = Path(__file__).resolve().parent.parent / "data" / "nlu"
LANGUAGES = sorted(load_taxonomy().languages)
ROMANIZED = {"ar", "fa", "ru", "uk", "el"}


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


@functools.lru_cache(maxsize=None)  # read once for all the sets (seconds each time)
def training_texts():
    texts = set()
    for path in NLU_DIR.rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    texts.add(_key(line.strip()[2:]))
    texts.update(_key(example.text) for example in safety_examples(SAFETY_DATA_DIR))
    return frozenset(texts)


@pytest.mark.parametrize("name,rows", [
    ("held-out", held_out()), *((name, message_set(directory)) for name, directory in REALISTIC_SETS.items()),
    *((name, message_set(directory)) for name, directory in CRISIS_SETS.items()),
])
def test_no_evaluation_message_is_in_the_training_data(name, rows):
    training = training_texts()
    overlap = [row["text"] for row in rows if _key(row["text"]) in training]
    assert not overlap, f"{name} messages found in the training data: {overlap}"


@pytest.mark.parametrize("directory", REALISTIC_SETS.values())
def test_the_realistic_set_covers_every_language_kind_and_romanized_script(directory):
    rows = message_set(directory)
    for language in LANGUAGES:
        mine = [r for r in rows if r["language"] == language]
        assert len(mine) >= 25, language
        kinds = {r["kind"] for r in mine}
        assert {"narrative", "typo", "indirect", "code_switching", "short", "out_of_scope"} <= kinds, language
        if language in ROMANIZED:
            assert sum(r.get("script") == "latin" for r in mine) >= 8, language


@pytest.mark.parametrize("directory", [CRISIS_DIR, FRESH_CRISIS_DIR, FIFTH_CRISIS_DIR, LONG_CRISIS_DIR, SIXTH_CRISIS_DIR,
                                       SEVENTH_CRISIS_DIR, CARE_CRISIS_DIR])
def test_the_crisis_set_has_danger_and_look_alikes_in_every_language(directory):
    rows = message_set(directory)
    for language in LANGUAGES:
        mine = [r for r in rows if r["language"] == language]
        assert sum(r["danger"] for r in mine) >= 5 and sum(not r["danger"] for r in mine) >= 5, language
        if language in ROMANIZED:
            assert any(r.get("script") == "latin" and r["danger"] for r in mine), language


@pytest.mark.parametrize("directory", [THIRD_CRISIS_DIR, FOURTH_CRISIS_DIR, SIXTH_CRISIS_DIR, SEVENTH_CRISIS_DIR, CARE_CRISIS_DIR])
def test_a_later_authors_crisis_set_has_at_least_ten_of_each_in_each_of_its_languages(directory):
    rows = message_set(directory)
    languages = {r["language"] for r in rows}
    assert len(languages) >= 6
    for language in languages:
        mine = [r for r in rows if r["language"] == language]
        assert sum(r["danger"] for r in mine) >= 10 and sum(not r["danger"] for r in mine) >= 10, language
