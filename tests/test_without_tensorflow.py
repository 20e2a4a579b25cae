"""The Rasa server runs without TensorFlow (bot/without_tensorflow.py), 400 MB smaller, and
still understands and answers; a configuration with a neural component keeps TensorFlow. The
action server runs without it too (bot/action_server_command.py), and still answers."""
from pathlib import Path

import pytest

from bot.servers import PROJECT_ROOT
from bot.without_tensorflow import NEURAL_COMPONENTS, neural_components
from processes import command_lines


def server_pid(base_url: str, module: bytes) -> int:
    port = base_url.rsplit(":", 1)[1].encode()
    for pid, arguments in command_lines():
        if module in arguments and port in arguments:
            return pid
    raise AssertionError(f"no {module.decode()} process on port {port.decode()}")


def loads_tensorflow(pid: int) -> bool:
    libraries = Path(f"/proc/{pid}/maps").read_text()
    return "libtensorflow" in libraries or "_pywrap_tensorflow" in libraries


def test_the_server_answers_without_tensorflow_loaded(rasa_server, chat):
    reply = chat().say("my father collapsed and is not breathing")
    assert "112" in reply
    assert not loads_tensorflow(server_pid(rasa_server, b"bot.rasa_command"))


def test_the_action_server_answers_without_tensorflow_loaded(rasa_server, action_server, chat):
    # the answer comes from the actions, which read the city's name with spaCy (whose thinc
    # would import TensorFlow)
    reply = chat().say("I need a doctor in Mechelen")
    assert "Health care in Mechelen" in reply, reply  # the answer, not the fault reply
    assert not loads_tensorflow(server_pid(action_server, b"bot.action_server_command"))


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
