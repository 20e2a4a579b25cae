"""The REST channel (/webhooks/rest/webhook) with input checks and a reply on failure.

Its conversations are `rest:<sender>` (bot/conversation_ids.py): a sender can never reach a
Telegram or widget conversation. Only local clients may use it unless INCLUBOT_REST_CLIENTS
says otherwise; a reverse proxy must not expose it (only the Telegram webhook and socket.io).

Rasa's own REST channel answers 500 or an empty list to malformed bodies and says nothing
when an action fails. This one answers 400 with a clear message for a malformed request,
explains an empty or oversized message in the user's language, and tells the user the
assistant is temporarily unavailable (with 112 for emergencies) instead of silence.
"""
import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import conversation_ids, settings
from bot.channels import message_guard
from bot.channels.whole_messages import WholeMessages
from bot.deadlines import within_reply_deadline
from knowledge.networks import address_in, parse_networks
from replies.language import reply_language

logger = logging.getLogger(__name__)

# Headers a reverse proxy adds: a request carrying one was relayed from outside.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
LOOPBACK = "127.0.0.0/8, ::1"


def from_allowed_client(request: Request) -> bool:
    """The REST channel is for local clients (tests, tools, another channel's bridge): by
    default only direct connections from this machine, not relayed by a proxy. Other
    clients: INCLUBOT_REST_CLIENTS, a list of addresses/networks (e.g. 10.0.0.0/8)."""
    configured = settings.rest_clients()
    if not configured and any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    return address_in(request.ip, parse_networks(configured or LOOPBACK, "INCLUBOT_REST_CLIENTS"))


def _bad_request(message: str) -> HTTPResponse:
    return response.json({"error": message}, status=400)


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("inclubot_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not from_allowed_client(request):
                return response.json({"error": "the REST channel is not open to this client (INCLUBOT_REST_CLIENTS)"}, status=403)
            try:
                body = request.json
            except Exception:
                return _bad_request("the body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}")
            if not isinstance(body, dict):
                return _bad_request("the body must be a JSON object with 'sender' and 'message'")
            sender, problem = message_guard.parse_sender(body.get("sender"))
            if problem:
                return _bad_request(problem)
            raw_text = body.get("message")
            if not isinstance(raw_text, str):
                return _bad_request("'message' must be a string")
            if "metadata" in body and body["metadata"] is not None and not isinstance(body["metadata"], dict):
                return _bad_request("'metadata' must be an object, e.g. {\"city\": \"mechelen\", \"language\": \"fr\"}")
            metadata = message_guard.clean_metadata(body.get("metadata"))
            text = message_guard.clean_text(raw_text)
            conversation = conversation_ids.rest(sender)

            problem_key = message_guard.problem_with(text)
            agent = request.app.ctx.agent
            if problem_key:
                language = reply_language(
                    metadata, await message_guard.conversation_language(agent, conversation)
                )
                return response.json([{"recipient_id": sender, "text": message_guard.explain(problem_key, language)}])

            collector = WholeMessages()  # an answer's text and its card in one message
            try:
                await within_reply_deadline(on_new_message(
                    UserMessage(text, collector, conversation, input_channel=self.name(), metadata=metadata)
                ))
            except Exception:
                # No message text in the log: it may hold personal data.
                logger.exception("handling a REST message failed")
            if not collector.messages:
                reply = await message_guard.unavailable_reply(agent, conversation, metadata)
                return response.json([{"recipient_id": sender, "text": reply}])
            # The client is answered under the sender it gave.
            return response.json([{**message, "recipient_id": sender} for message in collector.messages])

        return webhook
