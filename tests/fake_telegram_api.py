"""A local stand-in for the Telegram Bot API, on loopback, speaking its JSON.

Serves /bot<token>/<method> for getMe, setWebhook, deleteWebhook, getWebhookInfo, getUpdates,
sendMessage, sendVoice, setMyCommands, sendChatAction, answerCallbackQuery and
editMessageReplyMarkup, accepting form-encoded, multipart (files) or JSON parameters as Telegram does and checking them as Telegram does (text
length in UTF-16 units, 64-byte callback data, parse modes, unknown query ids, messages
to edit). Records every call. Faults can be injected: an HTTP error (429 with retry_after,
5xx) and/or a delay, for a method and optionally one chat.

Like Telegram, it produces updates (with a user's name, username and language code, so
tests can check none of it leaks) and delivers them: to the registered webhook with its
secret header, or to getUpdates.
"""
import email.parser
import html
import email.policy
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs, urlparse

import requests

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "IncluBot", "username": "inclubot_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_PARAMETERS = {"reply_markup", "allowed_updates", "entities", "link_preview_options", "reply_parameters"}
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
             "tg-spoiler", "span", "blockquote", "tg-emoji"}
MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: Optional[Dict] = None):
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Fault:
    method: str
    chat_id: Optional[int]
    status: Optional[int]
    retry_after: Optional[int]
    delay: float
    remaining: int


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    status: int
    at: float = field(default_factory=time.monotonic)  # when the request arrived

    @property
    def ok(self) -> bool:
        return self.status == 200


def multipart_fields(content_type: str, body: bytes) -> Dict[str, Any]:
    """A multipart/form-data body's fields: files as bytes, the rest as text."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[name] = payload if part.get_filename() else payload.decode()
    return fields


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


HTML_TAG = re.compile(r"</?([a-zA-Z-]+)(?:\s[^<>]*)?>")
HTML_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def check_entities(text: str, parse_mode: Optional[str]) -> None:
    if not parse_mode:
        return
    if parse_mode == "HTML":
        # Every < must open a supported tag and every & an entity.
        for position, character in enumerate(text):
            tag = HTML_TAG.match(text, position) if character == "<" else None
            if character == "<" and (tag is None or tag.group(1).lower() not in HTML_TAGS):
                raise ApiError(400, f"Bad Request: can't parse entities: unsupported start tag at byte offset {position}")
            if character == "&" and not HTML_ENTITY.match(text, position):
                raise ApiError(400, f"Bad Request: can't parse entities: character '&' at byte offset {position} must be escaped")
    elif parse_mode == "MarkdownV2":
        escaped = False
        for character in text:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character in MARKDOWN_V2_RESERVED:
                raise ApiError(400, f"Bad Request: can't parse entities: Character '{character}' is reserved and must be escaped with the preceding '\\'")
    elif parse_mode != "Markdown":
        raise ApiError(400, "Bad Request: unsupported parse_mode")


ENTITY_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "code": "code"}


def parse_html(text: str):
    """(plain text, entities) of an HTML message, as Telegram stores it: the tags become
    entities (offsets in UTF-16 units), the character references their characters."""
    plain, entities, open_tags, position = "", [], [], 0
    for tag in HTML_TAG.finditer(text):
        plain += html.unescape(text[position:tag.start()])
        name = tag.group(1).lower()
        if tag.group(0).startswith("</"):
            for index in range(len(open_tags) - 1, -1, -1):
                if open_tags[index][0] == name:
                    _, start = open_tags.pop(index)
                    kind = ENTITY_TYPES.get(name)
                    if kind and utf16_length(plain) > start:
                        entities.append({"type": kind, "offset": start, "length": utf16_length(plain) - start})
                    break
        else:
            open_tags.append((name, utf16_length(plain)))
        position = tag.end()
    plain += html.unescape(text[position:])
    return plain, sorted(entities, key=lambda e: e["offset"])


class FakeTelegramApi:
    def __init__(self, token: str = "123456:TEST-fake-token", port: int = 0):
        self.token = token
        self.calls: List[Call] = []
        self.webhook: Dict[str, Any] = {}
        self.sent: Dict[tuple, Dict[str, Any]] = {}  # (chat id, message id) -> message
        self.voices: Dict[int, List[bytes]] = {}  # chat id -> the voice files sent to it, in order
        self.commands: Dict[Optional[str], List[Dict[str, str]]] = {}  # language code -> bot commands
        self._faults: List[Fault] = []
        self._queue: List[Dict[str, Any]] = []
        self._issued_queries: Dict[str, bool] = {}  # callback query id -> answered
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(100_000)
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- running -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """The value for python-telegram-bot's base_url (TELEGRAM_API_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> "FakeTelegramApi":
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._lock.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # --- faults and records --------------------------------------------------------------

    def inject(self, method: str, status: int = None, retry_after: int = None, delay: float = 0.0,
               times: int = 1, chat_id: int = None) -> None:
        """The next `times` calls of `method` (to `chat_id`, if given) wait `delay` seconds,
        then fail with `status` if given (nothing is delivered), else go through."""
        with self._lock:
            self._faults.append(Fault(method, chat_id, status, retry_after, delay, times))

    def calls_of(self, method: str, chat_id: int = None) -> List[Call]:
        with self._lock:
            calls = [c for c in self.calls if c.method == method
                     and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))]
        return sorted(calls, key=lambda c: c.at)  # in the order they were made

    def messages(self, chat_id: int) -> List[Dict[str, Any]]:
        """The messages delivered to a chat, in order, as Telegram stored them."""
        with self._lock:
            return [m for (chat, _), m in sorted(self.sent.items(), key=lambda i: i[1]["message_id"]) if chat == chat_id]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; calls: {[(c.method, c.status) for c in self.calls[-20:]]}")

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 60.0) -> List[Dict[str, Any]]:
        return self.wait_for(lambda: len(self.messages(chat_id)) >= count and self.messages(chat_id),
                             timeout, f"{count} message(s) to chat {chat_id}")

    def wait_quiet(self, chat_id: int, quiet: float = 1.5, timeout: float = 60.0) -> List[Dict[str, Any]]:
        """The chat's messages once none has arrived for `quiet` seconds (a turn is complete)."""
        deadline = time.monotonic() + timeout
        count, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now_count = len(self.messages(chat_id))
            if now_count != count:
                count, since = now_count, time.monotonic()
            elif now_count and time.monotonic() - since >= quiet:
                return self.messages(chat_id)
            time.sleep(0.05)
        raise AssertionError(f"chat {chat_id} did not settle")

    # --- updates, as Telegram makes them --------------------------------------------------

    def user(self, chat_id: int, language_code: Optional[str] = "en") -> Dict[str, Any]:
        user = {"id": chat_id, "is_bot": False, "first_name": "Zainab", "last_name": "Karimi-Test",
                "username": "zainab_private_handle"}
        if language_code:
            user["language_code"] = language_code
        return user

    def _message(self, chat_id: int, language_code: Optional[str], **content) -> Dict[str, Any]:
        return {
            "message_id": next(self._ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Zainab", "username": "zainab_private_handle"},
            "from": self.user(chat_id, language_code), **content,
        }

    def text_update(self, chat_id: int, text: str, language_code: Optional[str] = "en") -> Dict[str, Any]:
        content = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]
        return {"update_id": next(self._update_ids), "message": self._message(chat_id, language_code, **content)}

    def location_update(self, chat_id: int, latitude: float, longitude: float, language_code: str = "en") -> Dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        return {"update_id": next(self._update_ids), "message": self._message(chat_id, language_code, location=location)}

    def media_update(self, chat_id: int, kind: str, language_code: str = "en") -> Dict[str, Any]:
        file = {"file_id": f"F{next(self._ids)}", "file_unique_id": f"U{next(self._ids)}"}
        content = {
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "voice": {"voice": {**file, "duration": 3}},
            "sticker": {"sticker": {**file, "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}},
            "document": {"document": {**file, "file_name": "letter.pdf"}},
            "contact": {"contact": {"phone_number": "+32470123456", "first_name": "Zainab", "user_id": chat_id}},
        }[kind]
        return {"update_id": next(self._update_ids), "message": self._message(chat_id, language_code, **content)}

    def callback_update(self, chat_id: int, message: Dict[str, Any], data: str, language_code: str = "en") -> Dict[str, Any]:
        query_id = str(next(self._ids) * 7919)
        with self._lock:
            self._issued_queries[query_id] = False
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": query_id, "from": self.user(chat_id, language_code), "message": message,
            "chat_instance": "-123456789", "data": data,
        }}

    def button_update(self, chat_id: int, title: str, language_code: str = "en") -> Dict[str, Any]:
        """The user presses the button titled `title` in the latest message that has it."""
        for message in reversed(self.messages(chat_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        return self.callback_update(chat_id, message, button["callback_data"], language_code)
        raise AssertionError(f"no button {title!r} in chat {chat_id}")

    def deliver(self, update: Dict[str, Any], secret: Optional[str] = "registered") -> requests.Response:
        """Posts an update to the registered webhook, with the registered secret (as Telegram
        does), another secret, or none."""
        if secret == "registered":
            secret = self.webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return requests.post(self.webhook["url"], json=update, headers=headers, timeout=30)

    def queue(self, update: Dict[str, Any]) -> None:
        """Keeps an update for getUpdates."""
        with self._lock:
            self._queue.append(update)
            self._lock.notify_all()

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._queue)

    # --- the API ---------------------------------------------------------------------------

    def call(self, method: str, params: Dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        fault = self._take_fault(method, chat_id)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status == 429:
                raise ApiError(429, f"Too Many Requests: retry after {fault.retry_after}", {"retry_after": fault.retry_after})
            if fault.status:
                raise ApiError(fault.status, {502: "Bad Gateway", 504: "Gateway Timeout"}.get(fault.status, "Internal Server Error"))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params)

    def _take_fault(self, method: str, chat_id: Any) -> Optional[Fault]:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.remaining > 0 and (fault.chat_id is None or str(fault.chat_id) == str(chat_id)):
                    fault.remaining -= 1
                    return fault
        return None

    def _api_getMe(self, params):
        return BOT_USER

    def _api_setWebhook(self, params):
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if secret is not None and not (1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        with self._lock:
            self.webhook = {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")} if url else {}
        return True

    def _api_deleteWebhook(self, params):
        with self._lock:
            self.webhook = {}
        return True

    def _api_getWebhookInfo(self, params):
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": len(self._queue)}

    def _api_getUpdates(self, params):
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._lock:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]  # confirmed ones are gone
            while not self._queue and time.monotonic() < deadline:
                self._lock.wait(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
            return list(self._queue[: int(params.get("limit") or 100)])

    def _api_sendChatAction(self, params):
        self._chat_id(params)
        if params.get("action") not in ("typing", "upload_photo", "record_voice", "find_location"):
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _api_sendMessage(self, params):
        chat_id = self._chat_id(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        check_entities(text, params.get("parse_mode"))
        entities = []
        if params.get("parse_mode") == "HTML":
            text, entities = parse_html(text)
        if utf16_length(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        self._check_markup(markup)
        message = {"message_id": next(self._ids), "date": int(time.time()), "from": BOT_USER,
                   "chat": {"id": chat_id, "type": "private"}, "text": text}
        if entities:
            message["entities"] = entities
        if params.get("parse_mode"):
            message["parse_mode_used"] = params["parse_mode"]  # not in Telegram's reply; for tests
        if markup:
            message["reply_markup"] = markup
        with self._lock:
            self.sent[(chat_id, message["message_id"])] = message
        return message

    def _api_sendVoice(self, params):
        chat_id = self._chat_id(params)
        voice = params.get("voice")
        if not isinstance(voice, bytes) or not voice:
            raise ApiError(400, "Bad Request: there is no voice in the request")
        markup = params.get("reply_markup")
        self._check_markup(markup)
        message = {"message_id": next(self._ids), "date": int(time.time()), "from": BOT_USER,
                   "chat": {"id": chat_id, "type": "private"},
                   "voice": {"file_id": f"V{next(self._ids)}", "file_unique_id": f"VU{next(self._ids)}", "duration": 1,
                             "mime_type": "audio/ogg", "file_size": len(voice)}}
        with self._lock:
            self.sent[(chat_id, message["message_id"])] = message
            self.voices.setdefault(chat_id, []).append(voice)
        return message

    def _api_setMyCommands(self, params):
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        if not isinstance(commands, list) or not commands or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a non-empty list")
        for command in commands:
            name, description = command.get("command") or "", command.get("description") or ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        with self._lock:
            self.commands[params.get("language_code") or None] = commands
        return True

    def _api_editMessageReplyMarkup(self, params):
        chat_id = self._chat_id(params)
        key = (chat_id, int(params.get("message_id") or 0))
        markup = params.get("reply_markup")
        self._check_markup(markup)
        with self._lock:
            message = self.sent.get(key)
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if (message.get("reply_markup") or None) == (markup or None):
                raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            return message

    def _api_answerCallbackQuery(self, params):
        query_id = params.get("callback_query_id")
        with self._lock:
            if self._issued_queries.get(query_id) is not False:
                raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            self._issued_queries[query_id] = True
        return True

    @staticmethod
    def _chat_id(params) -> int:
        try:
            return int(params.get("chat_id"))
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    @staticmethod
    def _check_markup(markup) -> None:
        if not markup:
            return
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                data = button.get("callback_data")
                if not button.get("text") or (data is not None and not 1 <= len(data.encode()) <= 64):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    # --- HTTP ------------------------------------------------------------------------------

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self._serve()

            def do_POST(self):
                self._serve()

            def _serve(self):
                started = time.monotonic()
                url = urlparse(self.path)
                params = {k: v[-1] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                kind = self.headers.get("Content-Type") or ""
                status, method = 200, None
                try:
                    if body and "json" in kind:
                        params.update(json.loads(body))
                    elif body and kind.startswith("multipart/form-data"):
                        params.update(multipart_fields(kind, body))
                    elif body:
                        params.update({k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
                    for key in JSON_PARAMETERS & set(params):
                        if isinstance(params[key], str):
                            params[key] = json.loads(params[key])
                    prefix, _, method = url.path.lstrip("/").partition("/")
                    if prefix != f"bot{api.token}":
                        raise ApiError(401 if prefix.startswith("bot") else 404, "Unauthorized" if prefix.startswith("bot") else "Not Found")
                    result = api.call(method, params)
                    payload = {"ok": True, "result": result}
                except ApiError as error:
                    status = error.code
                    payload = {"ok": False, "error_code": error.code, "description": error.description}
                    if error.parameters:
                        payload["parameters"] = error.parameters
                except ValueError:
                    status, payload = 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"}
                with api._lock:
                    api.calls.append(Call(method or url.path, params, status, at=started))
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

        return Handler
