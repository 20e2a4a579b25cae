"""The bot's own texts (replies/locales): complete in every language, the same placeholders,
and one register per language, the one the knowledge-base entries of that language use."""
import re
import string
from pathlib import Path

import pytest
import yaml

from replies.texts import catalogue, supported_languages

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"

# Words that address the reader informally. The entries use the polite form in these
# languages (usted, Lei, u, vous, вы/ви, εσείς, jūs, siz, شما), so the bot must too.
INFORMAL = {
    "es": "tú tu tus te ti contigo puedes quieres necesitas tienes estás elige escribe pulsa llama",
    "it": "tu tuo tua tuoi tue ti puoi vuoi scegli scrivi premi chiama riprova verifica",
    "nl": "je jij jou jouw",
    "fr": "tu ton ta tes toi",
    "ru": "ты тебе тебя тобой твой твоя твоё твои можешь",
    "uk": "ти тобі тебе тобою твій твоя твоє твої можеш",
    "el": "εσύ σου μπορείς",
    "lv": "tu tev tevi tavs tava tavu tavā vari",
    "tr": "sen sana seni senin",
    "fa": "تو",
}
BUTTON_PREFIXES = ("button_", "card_", "menu_", "widget_send", "widget_retry", "listen")  # labels, not sentences


def placeholders(template: str):
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)


def informal_words(language: str, sentence: str):
    words = set(INFORMAL[language].split())
    return sorted({w for w in re.findall(r"\w+", sentence.lower()) if w in words})


@pytest.mark.parametrize("language", supported_languages())
def test_every_text_exists_with_the_same_placeholders(language):
    english = catalogue("en")
    texts = catalogue(language)
    assert sorted(texts) == sorted(english), set(english) ^ set(texts)
    for key, template in english.items():
        assert isinstance(texts[key], str) and texts[key].strip(), (language, key)
        assert placeholders(texts[key]) == placeholders(template), (language, key)


@pytest.mark.parametrize("language", sorted(INFORMAL))
def test_the_bot_uses_the_register_of_the_entries(language):
    entries = "\n".join(p.read_text(encoding="utf-8") for p in (KNOWLEDGE / "translations" / language).glob("*.yml"))
    assert entries and not informal_words(language, entries), "the entries themselves are not in the polite register"
    informal = {
        key: informal_words(language, value)
        for key, value in catalogue(language).items()
        if not key.startswith(BUTTON_PREFIXES) and informal_words(language, value)
    }
    assert not informal, informal


@pytest.mark.parametrize("language", supported_languages())
def test_the_emergency_and_commune_texts_keep_their_facts(language):
    assert "112" in catalogue(language)["emergency"]
    question = catalogue(language)["brussels_region_commune"]
    assert "19" in question and ("CPAS" in question or "OCMW" in question)
