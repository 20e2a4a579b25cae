"""The language the bot replies in: one order of precedence, for the actions (which keep it
in the conversation's `language` slot) and for the replies a channel makes itself (errors,
Telegram's /city and /menu, a location before any question).

Strongest first: the user's explicit choice (the choose_language intent, a language button,
Telegram's /language, `metadata.language` from the widget or REST), which then sticks until
they choose again; a confident detection of this message; the conversation's language; the
channel's hint (`metadata.language_hint`: Telegram's language_code); what this message
looked like, however unsure; English.
"""
from typing import Dict, Optional, Tuple

from knowledge.taxonomy import load_taxonomy
from replies.texts import FALLBACK_LANGUAGE


def language_after(
    chosen: Optional[str] = None, conversation: Optional[str] = None, hint: Optional[str] = None,
    detected: Optional[str] = None, confident: bool = False, locked: bool = False,
) -> Tuple[str, bool]:
    """(language, locked): the conversation's language after a message, and whether the user
    chose it (`locked`: they chose the conversation's language before)."""
    languages = load_taxonomy().languages
    if chosen in languages:
        return chosen, True
    if locked and conversation in languages:
        return conversation, True
    if confident and detected in languages:
        return detected, False
    for candidate in (conversation, hint, detected):
        if candidate in languages:
            return candidate, False
    return FALLBACK_LANGUAGE, False


def reply_language(metadata: Dict[str, str], conversation: Optional[str]) -> str:
    """The language of a reply a channel makes outside the dialogue, from the message's
    (checked) metadata and the conversation's language."""
    return language_after(chosen=metadata.get("language"), conversation=conversation, hint=metadata.get("language_hint"))[0]
