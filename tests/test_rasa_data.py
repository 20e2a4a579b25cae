"""Rasa's own checks: the training data validates cleanly and the test stories pass."""
import os
import subprocess

import pytest

from bot import servers

RASA = str(servers.BIN / "rasa")
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook"}


@pytest.mark.slow  # runs Rasa's own validator as a process
def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [RASA, "data", "validate", "--fail-on-warnings"], cwd=servers.PROJECT_ROOT,
        capture_output=True, text=True, timeout=600, env=ENV,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "No story structure conflicts found" in output


def test_rasa_test_stories_have_no_prediction_errors(trained_model, tmp_path):
    result = subprocess.run(
        [RASA, "test", "core", "--model", str(trained_model), "--stories", "tests/stories",
         "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot"],
        cwd=servers.PROJECT_ROOT, capture_output=True, text=True, timeout=900, env=ENV,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    failed = tmp_path / "failed_test_stories.yml"
    assert not failed.exists() or "story:" not in failed.read_text(), failed.read_text()
