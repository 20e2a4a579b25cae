"""The bot's replies as Telegram messages: long texts split, buttons as an inline keyboard.

Plain texts are sent without a parse mode: Telegram shows them exactly as written, so `<`,
`&`, `_` and `*` from the knowledge base need no escaping and can never break a message.
An answer card (replies/cards.py) is sent in HTML parse mode, every text in it escaped
(bot/channels/telegram_cards.py); one too long for a message goes as its plain text.
"""
import hashlib
import logging
from collections import OrderedDict
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction, ParseMode

from bot import conversation_ids
from bot.channels.telegram_cards import card_message
from bot.channels.telegram_delivery import DeliveryFailed, RetryPolicy
from bot.channels.telegram_feedback import vote_buttons
from bot.channels.telegram_voice import SpokenTexts

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # Telegram counts UTF-16 code units
CALLBACK_DATA_LIMIT = 64  # bytes
SHORT_TITLE = 18  # buttons with titles this short go two to a row
KEY_PREFIX = "#"


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Pieces of at most `limit` UTF-16 units, cut between paragraphs, else lines, else words."""
    pieces = []
    rest = text.strip()
    while utf16_length(rest) > limit:
        head = _longest_prefix(rest, limit)
        cut = len(head)
        for separator in ("\n\n", "\n", " "):
            position = head.rfind(separator)
            if position >= len(head) // 2:  # not so early that the piece is tiny
                cut = position
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _longest_prefix(text: str, limit: int) -> str:
    used = 0
    for index, character in enumerate(text):
        used += 2 if ord(character) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


class CallbackPayloads:
    """Button payloads as callback data. Telegram allows 64 bytes: a longer payload travels as
    a key to a copy kept here (the most recent ones; an unknown key falls back to the button's
    title, which the bot then reads like typed text)."""

    def __init__(self, capacity: int = 50_000):
        self.capacity = capacity
        self._payloads: "OrderedDict[str, str]" = OrderedDict()

    def encode(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_LIMIT and not payload.startswith(KEY_PREFIX):
            return payload
        key = KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:32]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.capacity:
            self._payloads.popitem(last=False)
        return key

    def decode(self, data: str) -> Optional[str]:
        if not data.startswith(KEY_PREFIX):
            return data
        return self._payloads.get(data)


def inline_keyboard(
    buttons: List[Dict[str, Any]], payloads: CallbackPayloads, links: List[InlineKeyboardButton] = (),
) -> Optional[InlineKeyboardMarkup]:
    keys = list(links)
    for button in buttons:
        title, payload = str(button.get("title") or "").strip(), str(button.get("payload") or "").strip()
        if title and payload:
            keys.append(InlineKeyboardButton(title[:100], callback_data=payloads.encode(payload)))
    if not keys:
        return None
    per_row = 2 if all(len(k.text) <= SHORT_TITLE for k in keys) else 1
    return InlineKeyboardMarkup([keys[i:i + per_row] for i in range(0, len(keys), per_row)])


def telegram_chat_id(recipient_id: str) -> Optional[int]:
    """The chat a recipient id names; None for another channel's conversation (a REST
    sender `rest:123` is never Telegram chat 123)."""
    namespace, chat_id = conversation_ids.split(recipient_id)
    if namespace not in (None, conversation_ids.TELEGRAM) or not chat_id.lstrip("-").isdigit():
        return None
    return int(chat_id)


class TelegramOutput(OutputChannel):
    """Sends Rasa's bot messages to a Telegram chat (the recipient: the chat id, or the
    conversation id `tg:<chat id>` when Rasa sends on its own, e.g. a triggered intent)."""

    def __init__(self, bot: Bot, payloads: CallbackPayloads, retry: RetryPolicy):
        self.bot = bot
        self.payloads = payloads
        self.retry = retry
        self.spoken = SpokenTexts()

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text, [])

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self._send(recipient_id, text, buttons)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self._send(recipient_id, text, quick_replies)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        logger.debug("a custom message without text is not shown on Telegram")

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """A message with a card is drawn from the card; any other as Rasa does."""
        card = (message.get("custom") or {}).get("card") if isinstance(message.get("custom"), dict) else None
        text = message.get("text")
        if not (isinstance(card, dict) and isinstance(text, str)):
            await super().send_response(recipient_id, message)
            return
        html, links = card_message(card, text)
        if card.get("language") and card.get("kind") in ("service", "emergency", "numbers"):
            title = (card.get("labels") or {}).get("listen") or "🔊"
            links = [*links, self.spoken.button(title, text, card["language"])]
        links = [*links, *vote_buttons(card)]
        buttons = message.get("buttons") or message.get("quick_replies") or []
        if utf16_length(html) <= TEXT_LIMIT:
            await self._send(recipient_id, html, buttons, links=links, html=True)
        else:
            await self._send(recipient_id, text, buttons, links=links)

    async def _send(
        self, recipient_id: str, text: Optional[str], buttons: List[Dict[str, Any]],
        links: List[InlineKeyboardButton] = (), html: bool = False,
    ) -> None:
        chat_id = telegram_chat_id(recipient_id)
        if chat_id is None:
            logger.warning("not a Telegram conversation; reply not sent")
            return
        keyboard = inline_keyboard(buttons or [], self.payloads, links)
        pieces = ([text] if html else split_text(text or "")) or (["⬇️"] if keyboard else [])
        parse_mode = ParseMode.HTML if html else None
        for index, piece in enumerate(pieces):
            markup = keyboard if index == len(pieces) - 1 else None
            try:
                await self.retry.call(
                    "sendMessage",
                    lambda: self.bot.send_message(chat_id=int(chat_id), text=piece, reply_markup=markup, parse_mode=parse_mode),
                )
            except DeliveryFailed as error:
                # Logged without the text; the next messages of the turn are still sent.
                logger.error("a reply could not be delivered: %s", error)

    async def typing(self, chat_id: str) -> None:
        """Shows "typing…" while the assistant works; cosmetic, so one try only."""
        try:
            await self.bot.send_chat_action(chat_id=int(chat_id), action=ChatAction.TYPING)
        except Exception as error:  # noqa: BLE001 - never let a status indicator break a reply
            logger.debug("sendChatAction failed: %s", type(error).__name__)
