"""`inclubot train` (and `make run`) trains again when anything the model learns from changed:
a cry added to the danger lexicon must reach the running bot, not wait for another change.
And Rasa's training cache, which the checkouts on a machine share, hands none of our
components to a training whose code or files differ from those it was trained from."""
import importlib
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from bot import cli, danger_model, suicide, training_inputs
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
    for package in ("bot", "knowledge"):  # the modules the components import
        for source in (PROJECT_ROOT / package).glob("*.py"):
            shutil.copy2(source, target / package / source.name)
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


def our_pipeline_components():
    pipeline = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    names = [step["name"] for step in pipeline if step["name"].startswith("bot.")]
    return [getattr(importlib.import_module(name.rsplit(".", 1)[0]), name.rsplit(".", 1)[1]) for name in names]


def test_every_component_of_ours_keys_rasas_cache_by_the_code_and_files_it_reads():
    components = our_pipeline_components()
    assert len(components) == 7
    for component in components:
        assert component.fingerprint_addon({}) == training_inputs.components_fingerprint(), component.__name__


@pytest.mark.parametrize("module", ["bot/name_matching.py", "knowledge/city_regions.py", "knowledge/taxonomy.py",
                                   "replies/locales/ar.yml", "knowledge/city_spellings.yml"])
def test_a_changed_module_or_file_a_component_reads_changes_its_cache_key(tmp_path, module):
    """bot/name_matching.py is called by the city masker, not by its class, and
    knowledge/city_regions.py by name_matching: Rasa's own key (the class's source) sees neither."""
    tree = project_copy(tmp_path)
    before = training_inputs.components_fingerprint(tree)
    changed = tree / module
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
    assert training_inputs.components_fingerprint(tree) != before
    assert training_inputs.fingerprint(tree) != training_inputs.fingerprint(PROJECT_ROOT)


def test_the_training_examples_are_left_to_rasas_own_key(tmp_path):
    """A new example retrains what reads the examples (Rasa sees them in its inputs), not
    every component of ours in every checkout."""
    tree = project_copy(tmp_path)
    before = training_inputs.components_fingerprint(tree)
    examples = sorted((tree / "data" / "nlu").rglob("*.yml"))[0]
    examples.write_text(examples.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
    assert training_inputs.components_fingerprint(tree) == before
    assert training_inputs.fingerprint(tree) != training_inputs.fingerprint(PROJECT_ROOT)


@pytest.mark.slow  # runs a process that holds the lock
def test_two_trainings_on_one_machine_take_the_shared_cache_in_turn(tmp_path, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; lock = open(sys.argv[1], 'w'); "
         "fcntl.flock(lock, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(tmp_path / "training.lock")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        entered = threading.Event()

        def second_training():
            with cli._one_training_at_a_time(tmp_path):
                entered.set()

        thread = threading.Thread(target=second_training)
        thread.start()
        time.sleep(1)
        assert not entered.is_set(), "a second training wrote to the cache while the first held it"
        assert "waiting for another training on this machine to finish" in capsys.readouterr().out
    finally:
        holder.kill()
        holder.wait()
    thread.join(timeout=30)
    assert entered.is_set(), "the second training never went on once the first had finished"
