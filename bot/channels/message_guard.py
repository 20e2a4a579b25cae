"""What every channel does around the dialogue engine, so the user is never left without an
answer: refuse or explain bad input, and say so when the assistant cannot answer.

Channel-independent: the REST channel uses it; so can socket.io and Telegram.
"""
import asyncio
import re
import unicodedata
from typing import Any, Dict, Optional, Tuple

from knowledge.taxonomy import load_taxonomy
from replies import fault_reply
from replies.language import reply_language
from replies.texts import text as bot_text

FAULT_LOOKUP_S = 0.5  # the fault reply reads the conversation no longer than this
MAX_MESSAGE_CHARS = 5000  # longer is a paste, not a question; it is refused politely
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(raw: str) -> str:
    """Unicode-normalised text without control or bidi-override characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", raw)).strip()


def problem_with(text: str) -> Optional[str]:
    """The catalogue key explaining why a message cannot be handled, or None when it can."""
    if not text:
        return "input_empty"
    if len(text) > MAX_MESSAGE_CHARS:
        return "input_too_long"
    return None


def clean_metadata(metadata: Any) -> Dict[str, str]:
    """Only the metadata the assistant understands, with valid values; the rest is dropped."""
    if not isinstance(metadata, dict):
        return {}
    taxonomy = load_taxonomy()
    allowed = {
        "city": taxonomy.cities, "language": taxonomy.languages,
        "language_hint": taxonomy.languages,
    }
    return {
        key: value for key, value in metadata.items()
        if key in allowed and isinstance(value, str) and value in allowed[key]
    }


async def conversation_language(agent: Any, sender_id: str) -> Optional[str]:
    """The language slot of a conversation, read from the tracker store; None if unknown."""
    try:
        tracker = await agent.tracker_store.retrieve(sender_id)
    except Exception:  # the store may be down: an error reply must still go out
        return None
    return tracker.get_slot("language") if tracker is not None else None


def explain(key: str, language: str) -> str:
    return bot_text(key, language)


def unavailable(language: str, city: Optional[str] = None) -> str:
    return fault_reply.unavailable_text(language, city)


async def unavailable_reply(agent: Any, sender_id: str, metadata: Dict[str, str]) -> str:
    """The reply when the assistant cannot answer (replies/fault_reply.py): in the
    conversation's language, with its city's information desk. Reads the conversation once;
    the store may be down."""
    tracker = None
    if agent is not None:
        try:
            # The store may be down or hung: the reply must still go out, in time.
            tracker = await asyncio.wait_for(agent.tracker_store.retrieve(sender_id), FAULT_LOOKUP_S)
        except Exception:
            tracker = None
    language = reply_language(metadata, tracker.get_slot("language") if tracker else None)
    city = (tracker.get_slot("city") if tracker else None) or metadata.get("city")
    return unavailable(language, city)


def parse_sender(raw: Any) -> Tuple[Optional[str], Optional[str]]:
    """(sender id, error) from a client-supplied sender."""
    if raw is None:
        return "default", None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        return None, "'sender' must be a string"
    sender = str(raw).strip()
    if not sender or len(sender) > 128 or _CONTROL.search(sender):
        return None, "'sender' must be 1 to 128 printable characters"
    return sender, None
