"""The socket.io channel of the web widget (web/static/widget.js), built on Rasa's own.

What it changes in Rasa 3.6's SocketIOInput:
- session persistence works: Rasa calls python-socketio's `enter_room` coroutine without
  awaiting it (RasaHQ/rasa#13027), so with `session_persistence: true` the socket never
  joins its session's room and never receives a reply;
- a session id is only accepted in the form the server hands out (32 hex digits), so a
  client cannot pick a guessable one;
- input is checked like on the REST channel (bot/channels/message_guard.py): only known
  metadata is kept, an empty or oversized message is explained in the user's language, and
  the user is told when the assistant cannot answer, instead of silence;
- a message is acknowledged (socket.io ack) once it has been handled, so the widget knows
  it arrived and can say "not sent" otherwise; the ack carries the conversation's language,
  so the widget follows when the person switched language by writing;
- a reply with a card (replies/cards.py) goes out as one `bot_uttered` with its text, its
  card and its buttons together, where Rasa would send the text and the card apart.
"""
import asyncio
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

from bot import conversation_ids, handoff_delivery, rasa_internals
from bot.channels import message_guard
from bot.deadlines import within_reply_deadline
from replies.language import reply_language

logger = logging.getLogger(__name__)
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
FORGET = "/forget"  # the widget's "delete my conversation" (and typed, as on Telegram)


class CountingOutput(SocketIOOutput):
    """Rasa's socket.io output that remembers whether anything was sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent = 0

    async def _send_message(self, recipient_id: str, response: Any) -> None:
        # Rasa addresses the conversation (web:<session>); socket.io, its room (<session>).
        await super()._send_message(conversation_ids.channel_id_of(recipient_id), response)
        self.sent += 1

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        custom = message.get("custom")
        if not (isinstance(custom, dict) and message.get("text")):
            await super().send_response(recipient_id, message)
            return
        reply: Dict[str, Any] = {"text": message["text"], "custom": custom}
        buttons = message.get("quick_replies") or message.get("buttons") or []
        if buttons:
            reply["quick_replies"] = [
                {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")} for b in buttons
            ]
        await self._send_message(recipient_id, reply)


def valid_session_id(data: Any) -> Optional[str]:
    session_id = data.get("session_id") if isinstance(data, dict) else None
    return session_id if isinstance(session_id, str) and SESSION_ID.match(session_id) else None


class SocketIOInput(RasaSocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # No way back to Rasa's handlers (their session persistence is broken): logged only.
        rasa_internals.unchanged("rasa.core.channels.socketio:SocketIOInput.blueprint",
                                 "rasa.core.channels.socketio:SocketIOOutput._send_message", purpose="the widget's channel")
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        handoff_delivery.register(conversation_ids.WIDGET, self.deliver_staff_reply)
        # Registering a handler again replaces Rasa's for the same event.

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            session_id = valid_session_id(data) or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            if self.session_persistence:  # staff replies that came while the page was away
                await handoff_delivery.deliver(conversation_id=conversation_ids.widget(session_id))

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None) -> Dict[str, Any]:
            if not isinstance(data, dict):
                return {"ok": False, "error": "a message must be an object"}
            if self.session_persistence:
                session_id = valid_session_id(data)
                if session_id is None:
                    return {"ok": False, "error": "session_id missing or invalid: send session_request first"}
            else:
                session_id = sid
            sender_id = conversation_ids.widget(session_id)
            output = CountingOutput(sio, self.bot_message_evt)
            raw_text = data.get("message")
            metadata = message_guard.clean_metadata(data.get(self.metadata_key))
            text = message_guard.clean_text(raw_text) if isinstance(raw_text, str) else ""
            problem = message_guard.problem_with(text)
            if problem:
                language = await self._language(sid, metadata, sender_id)
                await output.send_text_message(sender_id, message_guard.explain(problem, language))
                return {"ok": True}
            if text == FORGET:
                return await self._forget(sender_id)
            try:
                await within_reply_deadline(on_new_message(
                    UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
                ))
            except Exception:
                # No message text in the log: it may hold personal data.
                logger.exception("handling a socket.io message failed")
            if not output.sent:
                reply = await message_guard.unavailable_reply(self._agent(sid), sender_id, metadata)
                await output.send_text_message(sender_id, reply)
            agent = self._agent(sid)
            language = await message_guard.conversation_language(agent, sender_id) if agent else None
            return {"ok": True, "language": language} if language else {"ok": True}

        return webhook

    @staticmethod
    async def _forget(sender_id: str) -> Dict[str, Any]:
        """The widget's "delete my conversation": the conversation and its tickets go; the
        widget clears the tab's copy and confirms it in the user's language."""
        from bot import retention

        try:
            await asyncio.to_thread(retention.forget_person, sender_id)
        except Exception:
            logger.exception("forgetting a widget conversation failed")
            return {"ok": False, "error": "not deleted: try again later"}
        return {"ok": True, "forgotten": True}

    async def deliver_staff_reply(self, conversation_id: str, reply: str, buttons) -> bool:
        """A staff reply to the widget's open page; False when no page of that session is
        connected (it waits until the page reconnects)."""
        room = conversation_ids.channel_id_of(conversation_id)
        if not any(True for _ in self.sio.manager.get_participants(self.namespace or "/", room)):
            return False
        # One message, not split at blank lines as Rasa splits the bot's: one answer, one bubble.
        quick_replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self.sio.emit(self.bot_message_evt, {"text": reply, "quick_replies": quick_replies},
                            room=room, namespace=self.namespace)
        return True

    def _agent(self, sid: str) -> Any:
        request = (self.sio.get_environ(sid, namespace=self.namespace) or {}).get("sanic.request")
        return getattr(request.app.ctx, "agent", None) if request is not None else None

    async def _language(self, sid: str, metadata: Dict[str, str], sender_id: str) -> str:
        """The language of a reply made here (errors): replies/language.py."""
        agent = self._agent(sid)
        spoken = await message_guard.conversation_language(agent, sender_id) if agent else None
        return reply_language(metadata, spoken)
