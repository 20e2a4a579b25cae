"""The Rasa HTTP API's /model/parse: input checks, and local clients answered without the token.

A malformed body gets a 400 that says what is wrong, where Rasa 3.6 answers 500 (a body that
is not a JSON object, "text" that is not a string, invalid UTF-8 or lone surrogates, JSON
nested too deep to parse, a text longer than the channels accept).

The HTTP API needs its token (bot/api_token.py), but /model/parse reads no conversation and
changes nothing: a local client, by the REST channel's rule (on this machine, not relayed by
a proxy, or in INCLUBOT_REST_CLIENTS), is answered without it, as the design promises
("/model/parse works locally"). Every other endpoint, and any other client, needs the token.

Rasa offers no hook into its HTTP app other than input channels, so this is one: a channel
without routes (credentials.yml names it) whose blueprint registers a request middleware
on the app when the server starts.
"""
import json
from typing import Any, Awaitable, Callable, Optional

import rasa
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.message_guard import MAX_MESSAGE_CHARS
from bot.channels.rest import from_allowed_client

PARSE_PATH = "/model/parse"


def parse_body_problem(body: bytes) -> Optional[str]:
    """What is wrong with a /model/parse body, None when Rasa can parse it.

    An empty body is left to Rasa, which already explains it with a 400.
    """
    if not body:
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return "the body must be UTF-8 encoded JSON"
    except (ValueError, RecursionError):
        return 'the body must be JSON: {"text": "..."}'
    if not isinstance(data, dict):
        return 'the body must be a JSON object: {"text": "..."}'
    text = data.get("text")
    if not isinstance(text, str):
        return "'text' must be a string"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "'text' must be valid Unicode (it contains a lone surrogate)"
    if len(text) > MAX_MESSAGE_CHARS:  # the channels' limit: 50,000 emoji took over 2 minutes
        return f"'text' is longer than {MAX_MESSAGE_CHARS} characters"
    return None


async def check_parse_request(request: Request) -> Optional[HTTPResponse]:
    if request.method != "POST" or request.path.rstrip("/") != PARSE_PATH:
        return None
    problem = parse_body_problem(request.body)
    if problem is not None:
        return _bad_request(problem)
    agent = request.app.ctx.agent
    if "token" in request.get_args(keep_blank_values=True) or not from_allowed_client(request) or not request.body or not agent.is_ready():
        return None  # Rasa's own handler: the token checked, or its own error
    # As Rasa's handler answers (its default emulator passes the parse through).
    return response.json(await agent.parse_message(request.json["text"]))


def _bad_request(problem: str) -> HTTPResponse:
    # The same shape as Rasa's own error responses.
    return response.json(
        {
            "version": rasa.__version__, "status": "failure", "message": problem,
            "reason": "BadRequest", "details": {}, "help": None, "code": 400,
        },
        status=400,
    )


class HttpApiGuard(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "http_api_guard"

    @classmethod
    def from_credentials(cls, credentials: Any) -> "HttpApiGuard":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard = Blueprint("inclubot_http_api_guard", __name__)

        @guard.listener("before_server_start")
        async def install(app, _loop) -> None:
            app.register_middleware(check_parse_request, "request")

        return guard
