"""The Rasa server runs without TensorFlow (bot/without_tensorflow.py), 400 MB smaller, and
still understands and answers; a configuration with a neural component keeps TensorFlow."""
from pathlib import Path

import pytest

from bot.servers import PROJECT_ROOT
from bot.without_tensorflow import NEURAL_COMPONENTS, neural_components
from processes import command_lines


def rasa_server_pid(base_url: str) -> int:
    port = base_url.rsplit(":", 1)[1].encode()
    for pid, arguments in command_lines():
        if b"bot.rasa_command" in arguments and port in arguments:
            return pid
    raise AssertionError(f"no Rasa server process on port {port.decode()}")


def test_the_server_answers_without_tensorflow_loaded(rasa_server, chat):
    reply = chat().say("my father collapsed and is not breathing")
    assert "112" in reply
    libraries = Path(f"/proc/{rasa_server_pid(rasa_server)}/maps").read_text()
    assert "libtensorflow" not in libraries and "_pywrap_tensorflow" not in libraries


def test_inclubots_configuration_needs_no_neural_component():
    assert neural_components(PROJECT_ROOT / "config.yml") == set()


@pytest.mark.parametrize("config,needed", [
    ("pipeline:\n- name: WhitespaceTokenizer\n- name: DIETClassifier\npolicies:\n- name: RulePolicy\n", {"DIETClassifier"}),
    ("pipeline:\n- name: WhitespaceTokenizer\npolicies:\n- name: rasa.core.policies.ted_policy.TEDPolicy\n", {"TEDPolicy"}),
    ("language: en\n", set(NEURAL_COMPONENTS)),  # Rasa fills in its defaults, DIET and TED among them
])
def test_a_configuration_with_a_neural_component_keeps_tensorflow(tmp_path, config, needed):
    path = tmp_path / "config.yml"
    path.write_text(config)
    assert neural_components(path) == needed


def test_a_configuration_that_cannot_be_read_keeps_tensorflow(tmp_path):
    assert neural_components(tmp_path / "missing.yml") == set(NEURAL_COMPONENTS)
    (tmp_path / "broken.yml").write_text("pipeline: [unclosed\n")
    assert neural_components(tmp_path / "broken.yml") == set(NEURAL_COMPONENTS)
