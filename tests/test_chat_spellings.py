"""Russian, Ukrainian and Greek training sentences are learnt in Latin letters too."""
from rasa.shared.nlu.constants import INTENT, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.chat_spellings import ChatSpellings


def example(text, intent, language, script=None):
    metadata = {"language": language, **({"script": script} if script else {})}
    return Message(data={TEXT: text, INTENT: intent, METADATA: {METADATA_INTENT: metadata}})


def test_cyrillic_and_greek_examples_gain_a_latin_copy_with_their_intent():
    data = TrainingData(training_examples=[
        example("Мне нужен врач", "health", "ru"),
        example("Шукаю роботу", "employment", "uk"),
        example("Θέλω γιατρό", "health", "el"),
    ])
    added = [m for m in ChatSpellings().process_training_data(data).intent_examples if m.get(TEXT).isascii()]
    assert sorted((m.get(INTENT), m.get(METADATA)[METADATA_INTENT]["language"]) for m in added) == [
        ("employment", "uk"), ("health", "el"), ("health", "ru")]
    assert all(m.get(METADATA)[METADATA_INTENT]["script"] == "latin" for m in added)
    assert {m.get(TEXT).lower() for m in added} & {"mne nuzhen vrach", "mne nujen vra4"}


def test_sentences_without_a_transliteration_rule_are_not_copied():
    data = TrainingData(training_examples=[
        example("أحتاج طبيبا", "health", "ar"),
        example("ana bade doktor", "health", "ar", script="latin"),
        example("I need a doctor", "health", "en"),
    ])
    assert len(ChatSpellings().process_training_data(data).intent_examples) == 3
