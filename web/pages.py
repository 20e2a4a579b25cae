"""Demo city pages: `/` lists the cities, `/<city id>` is a sample page of that city's website
with the chat widget embedded exactly as a webmaster would (README, "Add the widget to your
site"). `?lang=ar` shows a page in another language; the default is the city's language;
`?mode=launcher` embeds the widget as a round button that opens the chat full-screen.
"""
from typing import Optional
from urllib.parse import urlsplit

from flask import Blueprint, Response, render_template, request

from bot.settings import public_rasa_url
from knowledge.taxonomy import load_taxonomy
from replies.texts import RIGHT_TO_LEFT, text

pages = Blueprint("pages", __name__, template_folder="templates")


def page_language(default: str) -> str:
    wanted: Optional[str] = request.args.get("lang")
    return wanted if wanted in load_taxonomy().languages else default


def content_security_policy() -> str:
    """Only this host, and the Rasa server for the widget's socket: a knowledge-base text
    that slipped through as HTML could not load or run anything."""
    rasa = urlsplit(public_rasa_url())
    socket_scheme = "wss" if rasa.scheme == "https" else "ws"
    return "; ".join([
        "default-src 'self'",
        f"connect-src 'self' {rasa.scheme}://{rasa.netloc} {socket_scheme}://{rasa.netloc}",
        "img-src 'self' data:",
        "media-src 'self' blob:",  # answers read aloud (web/speech.py), played from a blob
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


def with_policy(html: str) -> Response:
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@pages.get("/")
def city_list():
    language = page_language("en")
    return with_policy(render_template(
        "pages/index.html", language=language, rtl=language in RIGHT_TO_LEFT,
        title=text("demo_index_title", language), cities=list(load_taxonomy().cities.values()),
    ))


def unknown_city() -> Response:
    response = city_list()
    response.status_code = 404
    return response


@pages.get("/<city_id>")
def city_page(city_id: str):
    city = load_taxonomy().cities.get(city_id)
    if city is None:
        return unknown_city()
    language = page_language(city.local_languages[0] if city.local_languages else "en")
    mode = "launcher" if request.args.get("mode") == "launcher" else None  # the widget as a corner button
    return with_policy(render_template(
        "pages/city.html", language=language, rtl=language in RIGHT_TO_LEFT, city=city, mode=mode,
        title=text("demo_page_title", language, city=city.name), intro=text("demo_page_intro", language),
    ))
