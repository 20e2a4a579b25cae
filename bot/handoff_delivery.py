"""Staff replies to tickets, delivered into the person's chat by the Rasa server.

The admin and `inclubot handoff reply` store a reply (knowledge/tickets.py), then ask the
Rasa server to deliver it: `POST /webhooks/handoff/deliver {"ticket": ID}` (this machine
only). The Rasa server holds the channels: Telegram sends the reply with the retries of any
reply; the widget gets it over socket.io when its page is open, else when that page
reconnects (session_request: bot/channels/socketio.py). A reply is marked delivered before
it is sent (claimed), so two deliveries at once never send it twice; when sending fails it
is unmarked and waits for the next delivery (or comes with the bot's next answer to the
person: actions/handoff.py).

credentials.yml names the channel (`bot.handoff_delivery.HandoffDeliveryInput`).
"""
import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot import conversation_ids
from knowledge import tickets
from knowledge.db import session_scope
from replies.handoff import done_button, reply_text  # the wording the person sees in the chat

logger = logging.getLogger(__name__)

# namespace -> async send(conversation_id, text, buttons) -> bool (False: nobody there now)
Sender = Callable[[str, str, List[Dict[str, str]]], Awaitable[bool]]
_senders: Dict[str, Sender] = {}


def register(namespace: str, sender: Sender) -> None:
    """A channel says how a reply reaches one of its conversations."""
    _senders[namespace] = sender


def _pending(conversation_id: Optional[str], ticket_id: Optional[int]) -> List[tickets.PendingReply]:
    with session_scope() as session:
        return tickets.undelivered(session, conversation_id=conversation_id, ticket_id=ticket_id)


def _claim(message_id: int, claimed: bool) -> bool:
    with session_scope() as session:
        if claimed:
            return tickets.claim(session, message_id)
        tickets.unclaim(session, message_id)
        return False


async def deliver(conversation_id: Optional[str] = None, ticket_id: Optional[int] = None) -> Dict[str, int]:
    """Sends the undelivered replies of a conversation or a ticket: {"delivered", "pending"}."""
    delivered = pending = 0
    for reply in await asyncio.to_thread(_pending, conversation_id, ticket_id):
        namespace, _ = conversation_ids.split(reply.conversation_id)
        send = _senders.get(namespace)
        if send is None:  # REST: the reply comes with the bot's next answer
            pending += 1
            continue
        if not await asyncio.to_thread(_claim, reply.message_id, True):
            continue  # another delivery has it
        try:
            sent = await send(reply.conversation_id, reply_text(reply.text, reply.language, reply.ticket_id), done_button(reply.language))
        except Exception as error:  # noqa: BLE001 - the reply must wait, not be lost
            logger.warning("a staff reply could not be delivered yet: %s", type(error).__name__)
            sent = False
        if sent:
            delivered += 1
        else:
            await asyncio.to_thread(_claim, reply.message_id, False)
            pending += 1
    return {"delivered": delivered, "pending": pending}


class HandoffDeliveryInput(InputChannel):
    """Not a channel people write to: the Rasa server's door for staff replies."""

    @classmethod
    def name(cls) -> str:
        return "handoff"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "HandoffDeliveryInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        from bot.channels.rest import from_allowed_client

        webhook = Blueprint("inclubot_handoff_delivery")

        @webhook.route("/deliver", methods=["POST"])
        async def deliver_ticket(request: Request):
            if not from_allowed_client(request):
                return response.json({"error": "only for this machine"}, status=403)
            body = request.json if request.body else None
            ticket_id = body.get("ticket") if isinstance(body, dict) else None
            if not isinstance(ticket_id, int) or isinstance(ticket_id, bool):
                return response.json({"error": "give {\"ticket\": <number>}"}, status=400)
            try:
                return response.json(await deliver(ticket_id=ticket_id))
            except Exception as error:  # noqa: BLE001 - the caller reports it; the replies wait
                logger.error("staff replies could not be delivered: %s", type(error).__name__)
                return response.json({"error": "the replies are saved but could not be delivered now"}, status=503)

        return webhook
