"""The texts of talking to a person exist in the 12 languages, with the same placeholders."""
import re
import string

import pytest

from bot.servers import PROJECT_ROOT
from knowledge.taxonomy import load_taxonomy
from replies.texts import catalogue

KEYS = [key for key in catalogue("en") if key.startswith(("handoff_", "button_handoff_")) or key in ("forget_done", "widget_forget", "widget_forgotten")]


def placeholders(template: str):
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)


@pytest.mark.parametrize("language", list(load_taxonomy().languages))
def test_every_handoff_text_is_translated(language):
    assert len(KEYS) >= 25
    for key in KEYS:
        translated = catalogue(language).get(key)
        assert translated and translated.strip(), (language, key)
        assert placeholders(translated) == placeholders(catalogue("en")[key]), (language, key)
        if language != "en" and key not in ("button_handoff_done",):
            assert translated != catalogue("en")[key], (language, key)  # not left in English


def test_the_handoff_code_uses_only_keys_that_exist():
    used = set()
    for path in ("actions/handoff.py", "bot/channels/telegram.py", "bot/channels/socketio.py"):
        used |= set(re.findall(r'text\("([a-z_]+)"', (PROJECT_ROOT / path).read_text(encoding="utf-8")))
    assert not [key for key in used if key not in catalogue("en")]
