"""Conversation ids, namespaced by channel: `tg:<chat id>`, `web:<session>`, `rest:<sender>`.

Each channel makes its conversation ids here, so that one channel can never reach another's
conversation (a REST sender "123456789" is `rest:123456789`, not Telegram chat 123456789).
The same form is stored (bot/conversation_db.py keeps the namespace and hashes the rest),
forgotten and purged (`inclubot privacy forget tg:123456789`).
"""
from typing import Optional, Tuple

TELEGRAM = "tg"
WIDGET = "web"
REST = "rest"
NAMESPACES = (TELEGRAM, WIDGET, REST)
# Rasa's name of each channel (a stored user event's `input_channel`) -> its namespace.
NAMESPACE_OF_CHANNEL = {"telegram": TELEGRAM, "socketio": WIDGET, "rest": REST}
FORM_HELP = "tg:<Telegram chat id>, web:<widget session>, rest:<REST sender>"


def conversation_id(namespace: str, channel_id: str) -> str:
    if namespace not in NAMESPACES:
        raise ValueError(f"unknown conversation namespace {namespace!r}")
    return f"{namespace}:{channel_id}"


def telegram(chat_id) -> str:
    return conversation_id(TELEGRAM, str(chat_id))


def widget(session_id: str) -> str:
    return conversation_id(WIDGET, session_id)


def rest(sender: str) -> str:
    return conversation_id(REST, sender)


def split(conversation: str) -> Tuple[Optional[str], str]:
    """(namespace, the channel's own id); (None, whole id) for an id no channel made (e.g.
    one given to the HTTP API directly)."""
    namespace, separator, channel_id = str(conversation).partition(":")
    if separator and namespace in NAMESPACES and channel_id:
        return namespace, channel_id
    return None, str(conversation)


def channel_id_of(conversation: str) -> str:
    """The channel's own id (a Telegram chat id, a socket.io room) of a conversation id."""
    return split(conversation)[1]
