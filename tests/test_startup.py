"""Start-up of `inclubot run`: training is skipped, without loading Rasa or writing a new
archive, when the training inputs are as the newest model was trained from; when they
changed, Rasa trains and the terminal shows how far it is, its log going to var/log/.
(How long start-up takes is measured by bench/startup.py.)"""
import os
import shutil
import subprocess
from pathlib import Path

from bench.startup import copy_of_project
from bot import servers, settings


def inclubot_train(root: Path, **environment: str) -> subprocess.CompletedProcess:
    """`inclubot train` as run from that project tree."""
    return subprocess.run(
        [str(servers.BIN / "python"), "-m", "bot.cli", "train"], cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), **environment}, capture_output=True, text=True, timeout=1800,
    )


def archives(models: Path):
    return {path.name: path.stat().st_mtime for path in models.iterdir()}


def test_nothing_changed_no_training_and_no_new_archive(trained_model):
    before = archives(trained_model)
    result = inclubot_train(servers.PROJECT_ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "the model is up to date" in result.stdout
    assert "training" not in result.stdout
    assert archives(trained_model) == before


def test_a_changed_input_is_trained_with_progress_and_the_terminal_stays_quiet(trained_model, tmp_path):
    tree = copy_of_project(tmp_path / "tree")
    config = tree / "config.yml"
    # A dialogue policy's setting: only that policy trains again (the rest is in Rasa's cache).
    config.write_text(config.read_text().replace("max_history: 3", "max_history: 4"))
    # The machine's cache as it is, in a copy: an earlier run of this test left the policy
    # trained with that setting in the machine's own.
    cache = shutil.copytree(settings.training_cache_dir(), tmp_path / "training-cache")

    result = inclubot_train(tree, RASA_CACHE_DIRECTORY=str(cache))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert "training the dialogue: 1/1 (MemoizationPolicy) …" in [line.strip() for line in lines], result.stdout
    assert "training done" in result.stdout
    # Rasa's own output and the libraries' warnings are in the log, not on the terminal.
    assert "Warning" not in result.stdout + result.stderr
    log = (tree / "var" / "log" / "train.log").read_text()
    assert "Finished training component 'MemoizationPolicy'" in log

    newest = max((tree / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert (newest.parent / (newest.name + ".inputs")).is_file()
    again = inclubot_train(tree, RASA_CACHE_DIRECTORY=str(cache))
    assert "the model is up to date" in again.stdout, again.stdout
