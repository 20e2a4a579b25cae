"""A collector of the bot's messages that keeps a text and its card together.

Rasa's CollectingOutputChannel stores a message's text and its custom payload as two
messages; an answer card (replies/cards.py) belongs with its text, so a message with a
custom payload is kept whole. Every other message is collected as Rasa does.
"""
from typing import Any, Dict

from rasa.core.channels.channel import CollectingOutputChannel


class WholeMessages(CollectingOutputChannel):
    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        if message.get("custom") and message.get("text"):
            kept = {key: value for key, value in message.items() if value is not None}  # as Rasa's: no empty keys
            await self._persist_message({"recipient_id": recipient_id, **kept})
        else:
            await super().send_response(recipient_id, message)
