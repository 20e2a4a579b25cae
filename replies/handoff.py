"""The words and buttons of talking to a person that reach the chat from both sides: the
bot's handoff buttons (actions/handoff.py) and a staff reply as the person sees it, whether
the bot brings it with its next answer or the Rasa server delivers it (bot/handoff_delivery.py).

A button's payload is an existing intent with a `handoff` value (`/affirm{"handoff":
"consent"}`): Rasa drops that unknown entity but keeps the payload as the message text,
which actions/handoff.py reads back.
"""
import json
from typing import Dict, List

from replies.texts import text

CONSENT, DECLINE, USE_LAST, SEND, SEND_AS_WRITTEN, CANCEL, DONE = (
    "consent", "decline", "use_last", "send", "send_as_written", "cancel", "done",
)


def payload(choice: str) -> str:
    intent = "affirm" if choice in (CONSENT, USE_LAST, SEND, SEND_AS_WRITTEN) else "deny"
    return f"/{intent}" + json.dumps({"handoff": choice})


def button(choice: str, language: str) -> Dict[str, str]:
    return {"title": text(f"button_handoff_{choice}", language), "payload": payload(choice)}


def done_button(language: str) -> List[Dict[str, str]]:
    return [button(DONE, language)]


def reply_text(staff_text: str, language: str, ticket_id: int) -> str:
    return text("handoff_reply", language, ticket=ticket_id, reply=staff_text)
