"""The chat widget's files, for any site that embeds it (see README, "Add the widget to your site").

/widget/widget.js, widget.css   the widget (web/static/)
/widget/socket.io.esm.min.js    the socket.io client, from the npm package installed by
                                scripts/setup.sh into web/node_modules (never committed)
/widget/config.json             where Rasa's socket.io channel is (INCLUBOT_PUBLIC_RASA_URL),
                                the languages, and the widget's texts in every language

A city's site is another origin, so every response allows any origin (the files are public;
the widget imports the socket.io client as a module, which needs CORS). Files are sent
gzipped to browsers that accept it: the widget is used on phones, often on slow networks,
and a small deployment may have no reverse proxy to compress them.
"""
import gzip
import hashlib
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

from flask import Blueprint, Response, abort, request

from bot.settings import public_rasa_url
from knowledge.taxonomy import load_taxonomy
from replies.buttons import theme_buttons
from replies.texts import RIGHT_TO_LEFT, catalogue, language_name, text

logger = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
SOCKET_IO_CLIENT = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.esm.min.js"
SHARED_TEXTS = (
    "menu_open", "menu_topics", "menu_city", "menu_language", "menu_person", "menu_restart", "ask_city",
    "listen", "feedback_up", "feedback_down", "feedback_thanks",
)
ASSET_MAX_AGE = 3600  # seconds; browsers revalidate with the ETag after that

widget = Blueprint("widget", __name__, url_prefix="/widget")


def socket_io_client_missing() -> bool:
    return not SOCKET_IO_CLIENT.is_file()


@widget.after_request
def allow_any_origin(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@lru_cache(maxsize=32)
def _encodings(body: bytes) -> Tuple[bytes, bytes, str]:
    """(plain, gzipped, tag) of a body, computed once."""
    return body, gzip.compress(body, compresslevel=9, mtime=0), hashlib.sha256(body).hexdigest()[:20]


def _send(body: bytes, mimetype: str, max_age: int) -> Response:
    plain, packed, tag = _encodings(body)
    zipped = request.accept_encodings["gzip"] > 0
    response = Response(packed if zipped else plain, mimetype=mimetype)
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(f"{tag}-gz" if zipped else tag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


@lru_cache(maxsize=8)
def _file_bytes(path: Path, modified_ns: int) -> bytes:
    return path.read_bytes()


def _asset(path: Path, mimetype: str) -> Response:
    return _send(_file_bytes(path, path.stat().st_mtime_ns), mimetype, ASSET_MAX_AGE)


@widget.get("/widget.js")
def widget_script():
    return _asset(STATIC_DIR / "widget.js", "text/javascript")


@widget.get("/widget.css")
def widget_style():
    return _asset(STATIC_DIR / "widget.css", "text/css")


@widget.get("/socket.io.esm.min.js")
def socket_io_client():
    if socket_io_client_missing():
        logger.error("%s is missing: run scripts/setup.sh to install the widget's socket.io client", SOCKET_IO_CLIENT)
        abort(404)
    return _asset(SOCKET_IO_CLIENT, "text/javascript")


@widget.get("/config.json")
def config():
    return _send(config_body(public_rasa_url()), "application/json", max_age=300)


@lru_cache(maxsize=4)
def config_body(rasa_url: str) -> bytes:
    return json.dumps(widget_config(rasa_url), ensure_ascii=False, separators=(",", ":")).encode()


def widget_config(rasa_url: str) -> Dict:
    taxonomy = load_taxonomy()
    return {
        "socket_url": rasa_url,
        "socket_path": "/socket.io",
        "languages": [
            {"code": code, "name": language_name(code), "rtl": code in RIGHT_TO_LEFT} for code in taxonomy.languages
        ],
        "cities": {city_id: city.name for city_id, city in taxonomy.cities.items()},
        "texts": {code: widget_texts(code) for code in taxonomy.languages},
    }


def widget_texts(language: str) -> Dict:
    """The widget's own words (widget_* keys without the prefix) and its local welcome:
    the bot's greeting with the bot's own theme buttons, so the first click needs no round trip."""
    keys = [key for key in catalogue("en") if key.startswith("widget_")]
    words = {key[len("widget_"):]: text(key, language) for key in keys}
    for key in SHARED_TEXTS:  # the bot's words the widget shows too (menu, reading aloud, feedback)
        words[key] = text(key, language)
    words["greet"] = text("greet", language)
    words["themes"] = theme_buttons(language)
    return words

