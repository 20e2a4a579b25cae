"""The training data's schema checks on the fast parse (bot/training_schema_checks.py) let the
project's files through, and a file with a fault gets Rasa's own error, line number and all."""
import pytest
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.exceptions import YamlSyntaxException
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.utils import validation
from rasa.shared.utils.validation import YamlValidationException

from bot import training_schema_checks
from bot.servers import PROJECT_ROOT

NLU_SCHEMA = "shared/nlu/training_data/schemas/nlu.yml"
CORE_SCHEMA = "shared/utils/schemas/stories.yml"
DOMAIN_SCHEMA = "shared/utils/schemas/domain.yml"
NOT_A_LIST = 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n- intent: bye\n  examples:\n    nested: 3\n'
BROKEN_YAML = 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n  - bad: [\n'


@pytest.fixture
def fast_checks(monkeypatch):
    """Checks on the fast parse; the files handed to Rasa's own check are listed."""
    rasas_check = validation.validate_yaml_schema
    assert training_schema_checks.install()
    handed_to_rasa = []

    def rasas_own(content, *args):
        handed_to_rasa.append(content)
        return rasas_check(content, *args)

    monkeypatch.setattr(training_schema_checks, "_rasas_check", rasas_own)
    yield handed_to_rasa
    validation.validate_yaml_schema = rasas_check


def errors_of(check, content: str, schema: str) -> str:
    with pytest.raises((YamlValidationException, YamlSyntaxException)) as raised:
        check(content, schema)
    return f"{type(raised.value).__name__}: {raised.value}"


def test_the_projects_data_passes_and_is_read_as_before(fast_checks):
    checked = 0
    for path in sorted((PROJECT_ROOT / "data").rglob("*.yml")):  # the files Rasa reads, with its schemas
        content = path.read_text(encoding="utf-8")
        if RasaYAMLReader.is_yaml_nlu_file(path):
            validation.validate_yaml_schema(content, NLU_SCHEMA)
            checked += 1
        if YAMLStoryReader.is_stories_file(path):
            validation.validate_yaml_schema(content, CORE_SCHEMA)
            checked += 1
    assert checked >= 13
    validation.validate_yaml_schema((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"), DOMAIN_SCHEMA)
    assert fast_checks == []  # each passed on the fast parse, without Rasa's slow one
    english = (PROJECT_ROOT / "data" / "nlu" / "en.yml").read_text(encoding="utf-8")
    examples = RasaYAMLReader().reads(english)
    assert len(examples.intent_examples) > 100
    validation.validate_yaml_schema = training_schema_checks._rasas_check  # Rasa's own, as before
    as_before = RasaYAMLReader().reads(english)
    assert [(m.get("text"), m.get("intent")) for m in examples.intent_examples] == \
        [(m.get("text"), m.get("intent")) for m in as_before.intent_examples]


@pytest.mark.parametrize("content", [NOT_A_LIST, BROKEN_YAML], ids=["schema fault", "yaml fault"])
def test_a_faulty_file_gets_rasas_own_error(fast_checks, content):
    ours = errors_of(validation.validate_yaml_schema, content, NLU_SCHEMA)
    assert fast_checks == [content]
    assert ours == errors_of(training_schema_checks._rasas_check, content, NLU_SCHEMA)
    assert "line" in ours.lower()
