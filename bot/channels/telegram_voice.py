"""Answers read aloud on Telegram: the "🔊" button under an answer card sends it as a voice
message (sendVoice, Ogg/Opus from bot/speech.py), and `/voice on` sends every answer as text
and voice.

The button's callback data is a key to the text kept here (the text never travels in it,
and a key the assistant did not make reads nothing). Who asked for `/voice on` is kept in
memory by chat id only: a restart of the server turns it off again (the person is told how
to turn it on in the same reply).
"""
import asyncio
import hashlib
import logging
from collections import OrderedDict
from typing import Optional, Set, Tuple

from telegram import Bot, InlineKeyboardButton

from bot.channels.telegram_delivery import DeliveryFailed, RetryPolicy
from bot.speech import MAX_CHARS, SpeechError, synthesiser

logger = logging.getLogger(__name__)
SPEAK_PREFIX = "~"


class SpokenTexts:
    """Texts a "🔊" button reads, by key (the most recent ones)."""

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self._texts: "OrderedDict[str, Tuple[str, str]]" = OrderedDict()

    def button(self, title: str, text: str, language: str) -> InlineKeyboardButton:
        key = SPEAK_PREFIX + hashlib.sha256(f"{language}\0{text}".encode()).hexdigest()[:32]
        self._texts[key] = (text, language)
        self._texts.move_to_end(key)
        while len(self._texts) > self.capacity:
            self._texts.popitem(last=False)
        return InlineKeyboardButton(f"🔊 {title}", callback_data=key)

    def get(self, key: str) -> Optional[Tuple[str, str]]:
        return self._texts.get(key)


class VoiceChats:
    """Chats that asked for every answer as voice too (`/voice on`)."""

    def __init__(self):
        self._chats: Set[str] = set()

    def set(self, chat: str, on: bool) -> None:
        (self._chats.add if on else self._chats.discard)(chat)

    def wants(self, chat: str) -> bool:
        return chat in self._chats


def shortened(text: str) -> str:
    """At most what the synthesiser takes, cut at a line or word."""
    if len(text) <= MAX_CHARS:
        return text
    head = text[:MAX_CHARS]
    cut = max(head.rfind("\n"), head.rfind(" "))
    return head[:cut] if cut > MAX_CHARS // 2 else head


async def send_voice(bot: Bot, retry: RetryPolicy, chat_id: int, text: str, language: str) -> bool:
    """Synthesises `text` (off the event loop) and sends it as a voice message."""
    try:
        audio = await asyncio.to_thread(synthesiser.ogg_opus, shortened(text.strip()), language)
    except SpeechError as error:
        logger.error("an answer could not be read aloud: %s", error)
        return False
    try:
        await retry.call("sendVoice", lambda: bot.send_voice(chat_id=chat_id, voice=audio))
    except DeliveryFailed as error:
        logger.error("a voice message could not be delivered: %s", error)
        return False
    return True
