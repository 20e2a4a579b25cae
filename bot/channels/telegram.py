"""Telegram input channel for the Rasa server, built on python-telegram-bot.

credentials.yml names it (`bot.channels.telegram.TelegramInput`); it is configured by the
TELEGRAM_* environment variables (bot/channels/telegram_settings.py). Without a token the
endpoint answers 503 and nothing else happens.

POST /webhooks/telegram/webhook takes Telegram updates, in webhook mode straight from
Telegram and in polling mode from `inclubot telegram-polling`: one handling path. An update is
checked (secret header, size, JSON), remembered by update_id so a redelivery is ignored
(bot/channels/telegram_redelivery.py),
answered 200 at once, then handled in the background: the messages of one chat in order,
different chats side by side, so a slow conversation holds up no other.

What reaches Rasa: text as typed (never as an intent payload); /start [city] as greet with
the deep link's city as an entity (an explicit choice, so it replaces the conversation's city);
/language and /help as their intents; button presses as the button's payload. Telegram's
language_code travels as metadata.language_hint, a shared location as metadata.location
(rounded to ~100 m) with the category the user asked last. /city, photos and other media,
and a location before any question are answered here, in the conversation's language.
Only the chat id is kept (as the conversation id `tg:<chat id>`): names, usernames and phone numbers are neither
passed on nor logged.
"""
import asyncio
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Optional, Set

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from telegram import Update
from telegram.error import TelegramError

from bot import conversation_ids, handoff_delivery
from bot.channels import message_guard
from bot.channels.telegram_delivery import DeliveryFailed, RetryPolicy
from bot.channels.telegram_feedback import VOTE_PREFIX, count_vote, read_vote
from bot.channels.telegram_menu import CHANNEL_PAYLOADS, menu_buttons, register_commands
from bot.channels.telegram_output import CallbackPayloads, TelegramOutput, inline_keyboard, split_text, telegram_chat_id
from bot.channels.telegram_redelivery import RecentUpdates
from bot.channels.telegram_settings import ALLOWED_UPDATES, SECRET_HEADER, TelegramSettings
from bot.channels.telegram_voice import SPEAK_PREFIX, VoiceChats, send_voice
from bot.channels.whole_messages import WholeMessages
from bot.deadlines import within_reply_deadline
from bot.settings import redis_url
from knowledge.taxonomy import load_taxonomy
from replies.buttons import theme_buttons
from replies.cities import ask_city
from replies.handoff import DONE, payload as handoff_payload
from replies.language import reply_language
from replies.texts import text

logger = logging.getLogger(__name__)
if logger.level == logging.NOTSET:
    logger.setLevel(logging.INFO)  # Rasa leaves non-Rasa loggers at WARNING; ours say nothing personal

MAX_UPDATE_BYTES = 256 * 1024  # a real update is a few kB; anything near this is not Telegram
LOCATION_DECIMALS = 3  # ~100 m: enough to rank services by distance, no more
MEDIA_FIELDS = (
    "photo", "voice", "audio", "video", "video_note", "sticker", "document", "animation",
    "contact", "poll", "dice", "game", "story", "paid_media",
)
COMMAND_INTENTS = {
    "help": "/help", "language": "/choose_language",
    "human": "/ask_human", "done": handoff_payload(DONE),  # talking to a person (actions/handoff.py)
}


class MalformedUpdate(ValueError):
    pass


@dataclass
class Incoming:
    """What the assistant needs of one update, type-checked; nothing about the person."""

    update_id: int
    chat_id: int
    kind: str  # text | button | location | media
    text: Optional[str] = None
    language_code: Optional[str] = None
    callback_id: Optional[str] = None
    message_id: Optional[int] = None
    button_titles: Dict[str, str] = field(default_factory=dict)
    latitude: Optional[float] = None
    longitude: Optional[float] = None


def _check(value: Any, kind: type, what: str) -> Any:
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise MalformedUpdate(f"{what} has the wrong type")
    return value


def read_update(data: Dict[str, Any]) -> Optional[Incoming]:
    """The update as an Incoming; None when there is nothing to answer (another update type,
    a group chat); MalformedUpdate (or the parser's TypeError/ValueError) when it is broken."""
    update = Update.de_json(data, None)
    query, message = update.callback_query, update.message
    if query is not None:
        message = query.message
        if message is None:
            return None
    elif message is None:
        return None
    chat = message.chat
    if chat is None or _check(chat.id, int, "chat.id") is None:
        raise MalformedUpdate("no chat id")
    if chat.type != "private":
        return None
    base = dict(update_id=update.update_id, chat_id=chat.id)
    if query is not None:
        sender = query.from_user
        markup = getattr(message, "reply_markup", None)
        titles = {}
        for row in (markup.inline_keyboard if markup is not None else ()):
            for button in row:
                if isinstance(button.callback_data, str) and isinstance(button.text, str):
                    titles[button.callback_data] = button.text
        return Incoming(
            **base, kind="button", text=_check(query.data, str, "callback data") or "",
            callback_id=_check(query.id, str, "callback id"), message_id=_check(message.message_id, int, "message id"),
            language_code=_check(sender.language_code if sender else None, str, "language code"),
            button_titles=titles,
        )
    sender = message.from_user
    base["language_code"] = _check(sender.language_code if sender else None, str, "language code")
    if message.text is not None:
        return Incoming(**base, kind="text", text=_check(message.text, str, "text"))
    if message.location is not None:
        latitude = _check(message.location.latitude, (int, float), "latitude")
        longitude = _check(message.location.longitude, (int, float), "longitude")
        if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
            raise MalformedUpdate("location out of range")
        return Incoming(
            **base, kind="location",
            latitude=round(float(latitude), LOCATION_DECIMALS), longitude=round(float(longitude), LOCATION_DECIMALS),
        )
    if any(getattr(message, name, None) for name in MEDIA_FIELDS):
        return Incoming(**base, kind="media")
    return None  # a service message (e.g. a pinned message): nothing to say


def language_hint(code: Optional[str]) -> Optional[str]:
    """Telegram's language_code ("fr", "pt-br") as one of the assistant's languages, if it is."""
    if not code:
        return None
    language = code.split("-")[0].lower()
    return language if language in load_taxonomy().languages else None


def deep_link_city(argument: str) -> Optional[str]:
    candidate = argument.strip().lower().replace("_", "-")
    return candidate if candidate in load_taxonomy().cities else None


def command_of(message: str) -> (Optional[str], str):
    """("start", "schaerbeek") for "/start schaerbeek" or "/start@SomeBot schaerbeek"."""
    if not message.startswith("/"):
        return None, ""
    head, _, argument = message[1:].partition(" ")
    return head.split("@", 1)[0].lower(), argument


class ChatQueues:
    """Runs the work of one chat in arrival order and different chats concurrently."""

    def __init__(self):
        self._last: Dict[int, asyncio.Task] = {}
        self._running: Set[asyncio.Task] = set()

    def submit(self, chat_id: int, work: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.create_task(self._after(self._last.get(chat_id), work))
        self._last[chat_id] = task
        self._running.add(task)
        task.add_done_callback(lambda done: self._finished(chat_id, done))

    def _finished(self, chat_id: int, task: asyncio.Task) -> None:
        self._running.discard(task)
        if self._last.get(chat_id) is task:
            del self._last[chat_id]

    @staticmethod
    async def _after(previous: Optional[asyncio.Task], work: Callable[[], Awaitable[None]]) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        try:
            await work()
        except Exception as error:  # noqa: BLE001 - one broken update must not stop the chat
            logger.error("handling a Telegram update failed: %s", type(error).__name__)
            logger.debug("details", exc_info=True)

    async def drain(self, timeout: float) -> None:
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "TelegramInput":
        # Read here rather than through ${VAR} in credentials.yml, which fails on unset variables.
        return cls(TelegramSettings.from_env())

    def __init__(self, settings: TelegramSettings):
        self.settings = settings
        self.retry = RetryPolicy()
        self.quick_retry = RetryPolicy(attempts=3, max_wait=5.0)  # button answers expire fast
        self.recent = RecentUpdates(
            bot_id=(settings.token or "").split(":", 1)[0], redis_url=redis_url(),
        )
        self.queues = ChatQueues()
        self.background: Set[asyncio.Task] = set()
        self.bot = settings.bot() if settings.configured else None
        self.output = TelegramOutput(self.bot, CallbackPayloads(), self.retry) if self.bot else None
        if self.output is not None:  # staff replies to tickets go out the same way (bot/handoff_delivery.py)
            handoff_delivery.register(conversation_ids.TELEGRAM, self.deliver_staff_reply)
        self.voice_chats = VoiceChats()

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.output

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("inclubot_telegram")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok" if self.settings.configured else "not configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            return await self.receive(request, on_new_message)

        @webhook.listener("after_server_start")
        async def connect(_app, _loop):
            if self.settings.configured:
                self._in_background(self.connect())
            else:
                logger.info("Telegram channel off: TELEGRAM_BOT_TOKEN is not set")

        @webhook.listener("before_server_stop")
        async def disconnect(_app, _loop):
            await self.queues.drain(timeout=10)
            await self.recent.close()
            if self.bot is not None:
                await self.bot.shutdown()

        return webhook

    async def connect(self) -> None:
        """Checks the token and, in webhook mode, registers the webhook with its secret."""
        try:
            await self.retry.call("getMe", self.bot.initialize)
            logger.info("Telegram bot @%s connected", self.bot.username)
            self._in_background(register_commands(self.bot, self.retry))
            if self.settings.webhook_url:
                await self.retry.call("setWebhook", lambda: self.bot.set_webhook(
                    url=self.settings.webhook_url, secret_token=self.settings.secret,
                    allowed_updates=ALLOWED_UPDATES,
                ))
                logger.info("Telegram webhook registered: %s", self.settings.webhook_url)
        except DeliveryFailed as error:
            logger.error("Telegram channel could not connect: %s", error)

    async def receive(self, request: Request, on_new_message) -> response.HTTPResponse:
        if not self.settings.configured:
            return response.json({"error": "the Telegram channel is not configured (set TELEGRAM_BOT_TOKEN)"}, status=503)
        given = (request.headers.get(SECRET_HEADER) or "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.settings.secret.encode()):
            return response.json({"error": "wrong or missing secret token"}, status=403)
        body = request.body or b""
        if len(body) > MAX_UPDATE_BYTES:
            return response.json({"error": "update too large"}, status=413)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return response.json({"error": "the body is not JSON"}, status=400)
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return response.json({"error": "not a Telegram update (no integer update_id)"}, status=400)
        if not await self.recent.first_time(update_id):
            logger.info("Telegram update %d received again; ignored", update_id)
            return response.json({"ok": True})
        try:
            incoming = read_update(data)
        except Exception as error:  # noqa: BLE001 - whatever breaks the parser, never a 500
            # 200 all the same: a 4xx would make Telegram redeliver it again and again.
            logger.warning("Telegram update %d ignored: malformed (%s)", update_id, type(error).__name__)
            return response.json({"ok": True})
        if incoming is None:
            logger.debug("Telegram update %d has nothing to answer", update_id)
            return response.json({"ok": True})
        agent = request.app.ctx.agent
        if incoming.kind == "button":
            self._in_background(self.acknowledge(incoming))  # the client stops spinning now
        self.queues.submit(incoming.chat_id, lambda: self.handle(incoming, on_new_message, agent))
        return response.json({"ok": True})

    def _in_background(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.background.add(task)  # keep a reference until it is done
        task.add_done_callback(self.background.discard)

    async def acknowledge(self, incoming: Incoming) -> None:
        """Answers the button press and takes the keyboard off, so it is not pressed twice
        (except "🔊": the card keeps its links, and may be heard again)."""
        vote = read_vote(incoming.text or "")
        thanks = text("feedback_thanks", vote[2]) if vote else None  # a toast: no message in the chat
        try:
            await self.quick_retry.call(
                "answerCallbackQuery", lambda: self.bot.answer_callback_query(incoming.callback_id, text=thanks)
            )
        except DeliveryFailed as error:
            logger.info("%s", error)
        if (incoming.text or "").startswith((SPEAK_PREFIX, VOTE_PREFIX)):
            return
        try:
            await self.bot.edit_message_reply_markup(chat_id=incoming.chat_id, message_id=incoming.message_id, reply_markup=None)
        except TelegramError as error:  # e.g. a message too old to edit: cosmetic
            logger.debug("keyboard not removed: %s", error.message)

    async def handle(self, incoming: Incoming, on_new_message, agent) -> None:
        started = time.monotonic()
        chat = str(incoming.chat_id)
        hint = language_hint(incoming.language_code)
        metadata = {"language_hint": hint} if hint else {}
        if incoming.kind == "media":
            await self.say(agent, chat, hint, "unsupported_media")
        elif incoming.kind == "location":
            await self.location(incoming, agent, chat, hint, metadata, on_new_message)
        elif incoming.kind == "button" and incoming.text.startswith(VOTE_PREFIX):
            if count_vote(incoming.text) is None:
                logger.info("Telegram update %d: not a vote the assistant made; ignored", incoming.update_id)
        elif incoming.kind == "button" and incoming.text.startswith(SPEAK_PREFIX):
            spoken = self.output.spoken.get(incoming.text)
            if spoken:
                await send_voice(self.bot, self.retry, incoming.chat_id, *spoken)
            else:
                logger.info("Telegram update %d: a 🔊 button of another run; ignored", incoming.update_id)
        elif incoming.kind == "button":
            message = self.output.payloads.decode(incoming.text) or incoming.button_titles.get(incoming.text)
            if message in CHANNEL_PAYLOADS:  # a menu button the channel answers, as its command
                await self.text(message, agent, chat, hint, metadata, on_new_message)
            elif message:
                await self.ask_rasa(chat, message, metadata, on_new_message, agent, hint)
            else:
                logger.info("Telegram update %d: a button the assistant did not make; ignored", incoming.update_id)
        else:
            await self.text(incoming.text, agent, chat, hint, metadata, on_new_message)
        logger.debug("Telegram update %d handled in %.2f s", incoming.update_id, time.monotonic() - started)

    async def text(self, typed: str, agent, chat: str, hint, metadata, on_new_message) -> None:
        typed = message_guard.clean_text(typed)
        command, argument = command_of(typed)
        if command is None:
            message = typed
        elif command == "start":
            city = deep_link_city(argument)
            message = "/greet" + (json.dumps({"city": city}) if city else "")
        elif command in COMMAND_INTENTS:
            message = COMMAND_INTENTS[command]
        elif command == "forget":
            await self.forget(agent, chat, hint)
            return
        elif command == "city":
            language = await self.language(agent, chat, hint)
            await self.output.send_text_with_buttons(chat, *ask_city(language))
            return
        elif command == "menu":
            language = await self.language(agent, chat, hint)
            await self.output.send_text_with_buttons(chat, text("menu_title", language), menu_buttons(language))
            return
        elif command == "voice":
            on = argument.strip().lower() != "off"
            self.voice_chats.set(chat, on)
            await self.say(agent, chat, hint, "voice_on" if on else "voice_off")
            return
        else:
            message = typed.lstrip("/")  # typed text never becomes an intent payload
        problem = message_guard.problem_with(message.strip())
        if problem:
            await self.say(agent, chat, hint, problem)
            return
        await self.ask_rasa(chat, message, metadata, on_new_message, agent, hint)

    async def forget(self, agent, chat: str, hint) -> None:
        """/forget: the conversation and its tickets are deleted, and the person told so in
        their language (read before it goes)."""
        from bot import retention

        language = await self.language(agent, chat, hint)
        try:
            await asyncio.to_thread(retention.forget_person, conversation_ids.telegram(chat))
        except Exception as error:  # noqa: BLE001 - the person must hear that it failed
            logger.error("forgetting a Telegram conversation failed: %s", type(error).__name__)
            await self.output.send_text_message(chat, text("temporarily_unavailable", language))
            return
        await self.output.send_text_message(chat, text("forget_done", language))

    async def location(self, incoming: Incoming, agent, chat: str, hint, metadata, on_new_message) -> None:
        """The category asked last, again, now with the location: the nearest entries first."""
        category = await self.last_category(agent, chat)
        if category is None:
            language = await self.language(agent, chat, hint)
            await self.output.send_text_with_buttons(chat, text("location_needs_topic", language), theme_buttons(language))
            return
        located = {**metadata, "location": {"latitude": incoming.latitude, "longitude": incoming.longitude}}
        await self.ask_rasa(chat, f"/{category}", located, on_new_message, agent, hint)

    async def ask_rasa(self, chat: str, message: str, metadata: Dict, on_new_message, agent, hint) -> None:
        """One user message through Rasa; its replies sent once Rasa is done with the turn, so
        a slow Telegram never holds Rasa's lock on the conversation."""
        self._in_background(self.output.typing(chat))
        collector = WholeMessages()
        try:
            await within_reply_deadline(on_new_message(UserMessage(message, collector, conversation_ids.telegram(chat), input_channel=self.name(), metadata=metadata)))
        except Exception as error:  # noqa: BLE001 - the user gets an answer whatever broke
            logger.error("the assistant could not handle a Telegram message: %s", type(error).__name__)
            logger.debug("details", exc_info=True)
            collector.messages = []
        if not collector.messages:
            logger.warning("the assistant gave no reply to a Telegram message; saying so")
            reply = await message_guard.unavailable_reply(agent, conversation_ids.telegram(chat), {"language_hint": hint} if hint else {})
            await self.output.send_text_message(chat, reply)
            return
        for reply in collector.messages:
            await self.output.send_response(chat, {k: v for k, v in reply.items() if k != "recipient_id"})
        if self.voice_chats.wants(chat):
            await self.read_answer_aloud(chat, collector.messages, agent, hint)

    async def read_answer_aloud(self, chat: str, replies, agent, hint) -> None:
        """`/voice on`: the turn's texts (cards read as their plain text) as one voice message."""
        spoken = "\n".join(reply["text"] for reply in replies if isinstance(reply.get("text"), str))
        if spoken.strip():
            await send_voice(self.bot, self.retry, int(chat), spoken, await self.language(agent, chat, hint))

    async def deliver_staff_reply(self, conversation_id: str, reply: str, buttons) -> bool:
        """A staff member's reply to a ticket, sent with the retries of every reply;
        DeliveryFailed when Telegram would not take it (the reply then waits)."""
        chat_id = telegram_chat_id(conversation_id)
        if chat_id is None:
            return False
        keyboard = inline_keyboard(buttons, self.output.payloads)
        pieces = split_text(reply)
        for index, piece in enumerate(pieces):
            markup = keyboard if index == len(pieces) - 1 else None
            await self.retry.call("sendMessage", lambda: self.bot.send_message(chat_id=chat_id, text=piece, reply_markup=markup))
        return True

    async def say(self, agent, chat: str, hint: Optional[str], key: str) -> None:
        await self.output.send_text_message(chat, text(key, await self.language(agent, chat, hint)))

    @staticmethod
    async def language(agent, chat: str, hint: Optional[str]) -> str:
        """The conversation's language, else Telegram's hint, else English."""
        metadata = {"language_hint": hint} if hint else {}
        return reply_language(metadata, await message_guard.conversation_language(agent, conversation_ids.telegram(chat)))

    async def last_category(self, agent, chat: str) -> Optional[str]:
        tracker = await self.tracker(agent, chat)
        events = tracker.events if tracker is not None else []
        return load_taxonomy().last_asked(getattr(event, "intent_name", None) for event in events)

    @staticmethod
    async def tracker(agent, chat: str):
        try:
            return await agent.tracker_store.retrieve(conversation_ids.telegram(chat))
        except Exception as error:  # noqa: BLE001 - fall back to defaults, still answer
            logger.warning("conversation state unavailable: %s", type(error).__name__)
            return None
