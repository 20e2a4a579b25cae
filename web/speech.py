"""POST /api/speech {"text", "language"} -> audio/ogg (Opus): a bot message read aloud for
the widget's speaker button (synthesis: bot/speech.py).

Public like the widget (any origin may call it), so it is bounded: the text's length, the
requests per client address per minute, and two syntheses at a time. The text is never
logged. A refusal is JSON with a message in the asked language.
"""

from flask import Blueprint, Response, jsonify, request

from bot import settings
from bot.speech import MAX_CHARS, SpeechError, synthesiser
from knowledge.admin.client_address import client_address
from knowledge.taxonomy import load_taxonomy
from replies.texts import text as bot_text
from web.rate_limit import MinuteLimit

# A person listens to a few messages a minute; a flood is refused (per client address).
REQUESTS_PER_MINUTE = settings.speech_per_minute()
CACHE_SECONDS = 86_400

speech = Blueprint("speech", __name__, url_prefix="/api")


limit = MinuteLimit(REQUESTS_PER_MINUTE)


@speech.after_request
def allow_any_origin(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def refuse(status: int, key: str, language: str, **params) -> Response:
    response = jsonify({"error": bot_text(key, language, **params)})
    response.status_code = status
    return response


@speech.route("/speech", methods=["OPTIONS"])
def preflight():
    return Response(status=204)


@speech.post("/speech")
def read_aloud():
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return refuse(400, "speech_bad_request", "en")
    language = body.get("language")
    if language not in load_taxonomy().languages:
        return refuse(400, "speech_bad_request", "en")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        return refuse(400, "speech_empty", language)
    if len(text) > MAX_CHARS:
        return refuse(413, "speech_too_long", language)
    if not limit.allow(client_address()):
        return refuse(429, "speech_too_many", language)
    try:
        audio = synthesiser.ogg_opus(text.strip(), language)
    except SpeechError:
        return refuse(503, "speech_unavailable", language)
    response = Response(audio, mimetype="audio/ogg")
    response.headers["Content-Type"] = "audio/ogg; codecs=opus"
    response.cache_control.private = True
    response.cache_control.max_age = CACHE_SECONDS
    return response
