"""`inclubot train` (and `make run`) trains again when anything the model learns from changed:
a cry added to the danger lexicon must reach the running bot, not wait for another change."""
import shutil
from pathlib import Path

import pytest

from bot import danger_model, suicide, training_inputs
from bot.components.emergency_detector import EmergencyDetector
from bot.settings import PROJECT_ROOT


def project_copy(target: Path) -> Path:
    """What the fingerprint reads, copied (the fingerprint is taken from a project root)."""
    for name in training_inputs.INPUTS:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for source in (PROJECT_ROOT / "bot").glob("*.py"):  # the modules the components import
        shutil.copy2(source, target / "bot" / source.name)
    shutil.copytree(PROJECT_ROOT / "replies", target / "replies", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.mark.parametrize("words", [danger_model.LEXICON_DIR, suicide.WORDS_DIR, danger_model.SAFETY_DATA_DIR])
def test_a_changed_line_of_what_the_danger_model_learns_from_means_training_again(tmp_path, words):
    tree = project_copy(tmp_path)
    before = training_inputs.fingerprint(tree)
    first = sorted(p for p in (tree / words.relative_to(PROJECT_ROOT)).iterdir() if p.is_file())[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
    assert training_inputs.fingerprint(tree) != before, f"a change to {first.name} would not retrain the model"


def test_every_file_the_danger_model_is_trained_from_is_a_training_input():
    inputs = {path.resolve() for path in training_inputs._files(PROJECT_ROOT)}
    missing = [str(path) for path in EmergencyDetector.files_read() if path.resolve() not in inputs]
    assert missing == [], f"inclubot train would not see a change to {missing}"
