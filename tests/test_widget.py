"""The web chat widget, in real headless Chromium, against the real servers.

The web app is started as `inclubot run` starts it (bot/servers.web_server) and the widget
talks to a real Rasa server over its socket.io channel. What is checked is what a newcomer
sees: answers with the city's entries in French and in Arabic, right-to-left Arabic, a
conversation that survives a reload, the language picker, buttons, keyboard-only use,
recovery when the Rasa server restarts, and knowledge-base text that contains HTML shown
as text. Screenshots go to tests/artifacts/.
"""
import asyncio
import http.server
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import requests
import socketio
import yaml
from playwright.sync_api import expect

from actions.answers import MAX_ENTRIES
from bot import servers
from bot.api_token import with_token
from replies.cities import city_name
from replies.texts import catalogue, text
from conftest import ARTIFACTS, fresh_sqlite_url
from knowledge import queries
from knowledge.db import session_scope
from knowledge.migrate import upgrade
from knowledge.taxonomy import load_taxonomy
from knowledge.transfer import import_file, load_demo
from widget_browser import ANSWER_TIMEOUT_MS, PHONE, WIDGET, ChromiumSession, WidgetPage

SECRET_KEY = secrets.token_urlsafe(40)
XSS_SCRIPT = "<script>window.inclubotHacked = 'script'</script>"
XSS_IMAGE = "<img src=x onerror=\"window.inclubotHacked = 'img'\">"
XSS_ENTRY = {
    "city": "schaerbeek",
    "timezone": "Europe/Brussels",
    "entries": [{
        "id": "schaerbeek-html-probe",
        "category": "social_activities",
        "name": {"en": f"{XSS_SCRIPT}Chess club", "fr": f"{XSS_SCRIPT}Club d'échecs", "nl": f"{XSS_SCRIPT}Schaakclub"},
        "description": {
            "en": f"Come and play {XSS_IMAGE} every week.",
            "fr": f"Venez jouer {XSS_IMAGE} chaque semaine.",
            "nl": f"Kom elke week spelen {XSS_IMAGE}.",
        },
        "source": "Test entry: HTML in knowledge-base text must be shown as text.",
        "verified_on": None,
        "priority": 100,  # listed first
    }],
}


# --- servers ---------------------------------------------------------------------------

def start_web_app(rasa_url: str, database_url: str, log_dir: Path) -> Tuple[servers.Server, str]:
    port = servers.free_port()
    server = servers.web_server(port, env={
        "INCLUBOT_PUBLIC_RASA_URL": rasa_url, "INCLUBOT_DATABASE_URL": database_url,
        "INCLUBOT_SECRET_KEY": SECRET_KEY,
    }, log_path=log_dir / f"web-{port}.log").start()
    server.wait_until_up(timeout=60)
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def web_app(rasa_server, session_db, server_logs):
    """The web app of the run command, pointing the widget at the session's Rasa server."""
    server, url = start_web_app(rasa_server, session_db, server_logs)
    try:
        yield url
    finally:
        server.stop()


@dataclass
class OwnStack:
    """Servers of its own for the tests that change the knowledge base or stop Rasa."""
    database_url: str
    rasa: servers.Server
    rasa_url: str
    web_url: str


@pytest.fixture(scope="module")
def own_stack(trained_model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("widget-stack")
    database_url = fresh_sqlite_url(directory)
    upgrade(database_url)
    with session_scope(database_url) as session:
        load_demo(session)
        import_file(session, yaml.safe_dump(XSS_ENTRY, allow_unicode=True).encode(), "html-probe.yml", actor="test")
    env = {"INCLUBOT_DATABASE_URL": database_url}
    actions_port, rasa_port = servers.free_port(), servers.free_port()
    started = []
    try:
        started.append(servers.action_server(actions_port, env=env, log_path=directory / "actions.log").start())
        started[-1].wait_until_up()
        rasa = servers.rasa_server(
            rasa_port, f"http://127.0.0.1:{actions_port}/webhook", model=trained_model, env=env,
            log_path=directory / "rasa.log",
        )
        started.append(rasa.start())
        rasa.wait_until_up()
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        web, web_url = start_web_app(rasa_url, database_url, directory)
        started.append(web)
        yield OwnStack(database_url, rasa, rasa_url, web_url)
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture(scope="module")
def chromium():
    session = ChromiumSession()
    try:
        yield session.browser
    finally:
        session.close()


@pytest.fixture
def open_widget(chromium):
    opened: List[WidgetPage] = []

    def open_page(url: str, viewport=None) -> WidgetPage:
        widget = WidgetPage(chromium, viewport)
        opened.append(widget)
        return widget.open(url)

    yield open_page
    for widget in opened:
        assert not widget.page_errors, widget.page_errors
        widget.close()


class CitySite:
    """A city's own website on another origin, embedding the widget as README says, with
    no Content-Security-Policy of ours to hide a mistake of the widget."""

    def __init__(self, widget_host: str, city: str, language: str):
        page = (
            f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f'<link rel="icon" href="data:,"><title>{city}</title></head><body><h1>{city}</h1>'
            f'<div data-inclubot data-city="{city}" data-language="{language}"></div>'
            f'<script src="{widget_host}/widget/widget.js" async></script></body></html>'
        ).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200 if self.path == "/" else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page if self.path == "/" else b"")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


# --- what the user should see --------------------------------------------------------------

def expected_answer(database_url: str, city_id: str, category: str, language: str) -> Tuple[str, List[str]]:
    """The answer's first line and the names of the entries it lists, as the bot renders them."""
    with session_scope(database_url) as session:
        entries = queries.services_for(session, city_id, category, limit=MAX_ENTRIES)
        names = [entry.text_for_reader(language)[0].name for entry in entries]
    intro = text("services_intro", language, category=text(f"category_{category}", language), city=city_name(city_id))
    assert names, f"the demo knowledge base has no {category} entries for {city_id}"
    return intro, names


def session_id_of(widget: WidgetPage, city: str) -> str:
    return widget.page.evaluate(f"JSON.parse(sessionStorage.getItem('inclubot:{city}')).sessionId")


def widget_tracker(rasa_url: str, session_id: str) -> Dict:
    """The conversation of a widget session, as stored (its id: web:<session>)."""
    response = requests.get(f"{rasa_url}/conversations/web:{session_id}/tracker", params=with_token(), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def user_texts_in_tracker(rasa_url: str, session_id: str, at_least: int = 0, timeout: float = 15) -> List[str]:
    """What the person wrote, as the tracker store has it. Rasa saves a turn once it has
    handled it, just after the answer went out: wait up to `timeout` for `at_least` texts."""
    deadline = time.monotonic() + timeout
    while True:
        events = widget_tracker(rasa_url, session_id)["events"]
        texts = [event.get("text") for event in events if event.get("event") == "user"]
        if len(texts) >= at_least or time.monotonic() > deadline:
            return texts
        time.sleep(0.2)


def assert_shows_answer(widget: WidgetPage, intro: str, names: List[str]) -> None:
    widget.wait_for_text(intro)
    for name in names:
        widget.wait_for_text(name)


# --- the demo pages ----------------------------------------------------------------------

def test_demo_pages_list_the_cities_and_embed_the_widget(web_app):
    home = requests.get(web_app + "/", timeout=10)
    assert home.status_code == 200
    for city in load_taxonomy().cities.values():
        assert f'href="/{city.id}"' in home.text and city.name in home.text
        page = requests.get(f"{web_app}/{city.id}", timeout=10)
        assert page.status_code == 200
        assert f'data-city="{city.id}"' in page.text and 'src="/widget/widget.js"' in page.text
        assert f'lang="{city.local_languages[0]}"' in page.text
    arabic = requests.get(f"{web_app}/mechelen?lang=ar", timeout=10)
    assert 'lang="ar" dir="rtl"' in arabic.text and text("demo_page_title", "ar", city="Mechelen") in arabic.text
    unknown = requests.get(f"{web_app}/atlantis", timeout=10)
    assert unknown.status_code == 404 and 'href="/schaerbeek"' in unknown.text


def test_widget_files_are_served_to_other_sites(web_app, rasa_server):
    config = requests.get(f"{web_app}/widget/config.json", timeout=10)
    assert config.headers["Access-Control-Allow-Origin"] == "*"
    body = config.json()
    assert body["socket_url"] == rasa_server
    assert [language["code"] for language in body["languages"]] == list(load_taxonomy().languages)
    assert {language["code"] for language in body["languages"] if language["rtl"]} == {"ar", "fa"}
    widget_keys = {key for key in catalogue("en") if key.startswith(("widget_", "demo_"))}
    for code, words in body["texts"].items():
        assert widget_keys <= set(catalogue(code)), f"{code} lacks {widget_keys - set(catalogue(code))}"
        assert words["send"] == text("widget_send", code) and words["themes"], code
    for asset in ("widget.js", "widget.css", "socket.io.esm.min.js"):
        response = requests.get(f"{web_app}/widget/{asset}", timeout=10)
        assert response.status_code == 200, f"{asset}: {response.status_code} (run scripts/setup.sh)"
        assert response.headers["Access-Control-Allow-Origin"] == "*"


# --- conversations in the browser ------------------------------------------------------------

def test_french_question_answered_with_the_citys_entries(open_widget, web_app, session_db):
    widget = open_widget(f"{web_app}/schaerbeek")
    expect(widget.panel()).to_have_attribute("lang", "fr")
    expect(widget.panel()).to_have_attribute("dir", "ltr")
    widget.say("j'ai besoin d'un médecin")
    assert_shows_answer(widget, *expected_answer(session_db, "schaerbeek", "health", "fr"))
    widget.wait_for_text(text("related", "fr"))
    assert not widget.foreign_requests(), widget.foreign_requests()
    widget.screenshot(ARTIFACTS / "widget-desktop-fr.png")
    widget.page.set_viewport_size(PHONE)
    assert_fits_phone(widget)
    widget.screenshot(ARTIFACTS / "widget-360px-fr.png")


def assert_fits_phone(widget: WidgetPage) -> None:
    """Nothing wider than the screen, and the controls large enough for a finger."""
    page_width = widget.page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], f"the page scrolls sideways: {page_width}px"
    for selector in (f"{WIDGET} textarea", f"{WIDGET} button.send", f"{WIDGET} select"):
        box = widget.page.locator(selector).bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)


def test_arabic_conversation_is_right_to_left_and_survives_a_reload(open_widget, web_app, rasa_server, session_db):
    widget = open_widget(f"{web_app}/schaerbeek?lang=ar")
    expect(widget.panel()).to_have_attribute("dir", "rtl")
    expect(widget.panel()).to_have_attribute("lang", "ar")
    expect(widget.page.locator(f"{WIDGET} button.send")).to_have_text(text("widget_send", "ar"))
    widget.say("أحتاج إلى طبيب")
    intro, names = expected_answer(session_db, "schaerbeek", "health", "ar")
    assert_shows_answer(widget, intro, names)
    widget.wait_for_text(text("related", "ar"))
    # right to left: the bot's messages start at the right edge, the user's at the left
    bot_item, user_item = (widget.page.locator(f"{WIDGET} .item.{who}").last for who in ("bot", "user"))
    expect(bot_item).to_be_visible()  # measured once shown: a box is None while an item is not
    expect(user_item).to_be_visible()
    bot_box, user_box = bot_item.bounding_box(), user_item.bounding_box()
    assert bot_box["x"] + bot_box["width"] > user_box["x"] + user_box["width"]
    widget.screenshot(ARTIFACTS / "widget-desktop-ar.png")
    widget.page.set_viewport_size(PHONE)
    assert_fits_phone(widget)
    widget.screenshot(ARTIFACTS / "widget-360px-ar.png")
    before = widget.messages()
    session_id = session_id_of(widget, "schaerbeek")

    widget.reload()
    expect(widget.panel()).to_have_attribute("dir", "rtl")
    assert widget.messages() == before
    assert session_id_of(widget, "schaerbeek") == session_id
    # the same conversation goes on on the server
    widget.click_reply(text("category_registration", "ar"))
    assert_shows_answer(widget, *expected_answer(session_db, "schaerbeek", "registration", "ar"))
    assert user_texts_in_tracker(rasa_server, session_id, at_least=2)[:2] == ["أحتاج إلى طبيب", "/registration"]
    tracker = widget_tracker(rasa_server, session_id)
    assert tracker["slots"]["city"] == "schaerbeek" and tracker["slots"]["language"] == "ar"


def test_language_picker_switches_the_bots_language(open_widget, web_app, rasa_server, session_db):
    widget = open_widget(f"{web_app}/schaerbeek")  # a French page
    widget.pick_language("tr")
    expect(widget.page.locator(f"{WIDGET} button.send")).to_have_text(text("widget_send", "tr"))
    widget.wait_for_text(text("language_set", "tr"))
    widget.say("j'ai besoin d'un médecin")  # written in French, answered in the chosen language
    assert_shows_answer(widget, *expected_answer(session_db, "schaerbeek", "health", "tr"))
    slots = widget_tracker(rasa_server, session_id_of(widget, "schaerbeek"))["slots"]
    assert slots["language"] == "tr" and slots["language_locked"] is True

    widget.pick_language("fa")
    expect(widget.panel()).to_have_attribute("dir", "rtl")
    widget.wait_for_text(text("language_set", "fa"))
    widget.reload()
    expect(widget.page.locator(f"{WIDGET} select")).to_have_value("fa")
    expect(widget.panel()).to_have_attribute("dir", "rtl")

    # the bot's own language buttons (the intent without a language: the bot offers them)
    widget.say("/choose_language")
    widget.wait_for_text(text("language_prompt", "fa"))
    widget.click_reply("Español")
    expect(widget.page.locator(f"{WIDGET} select")).to_have_value("es")
    expect(widget.panel()).to_have_attribute("dir", "ltr")
    widget.wait_for_text(text("language_set", "es"))


def test_a_language_picked_while_an_answer_is_on_its_way_is_kept(open_widget, web_app, rasa_server, session_db):
    widget = open_widget(f"{web_app}/schaerbeek")
    widget.pick_language("tr")
    widget.wait_for_text(text("language_set", "tr"))
    widget.say("j'ai besoin d'un médecin")
    widget.pick_language("fa")  # before the Turkish answer is in: it must not switch back
    # The question asked in Turkish is answered in Turkish, and the new language is confirmed.
    assert_shows_answer(widget, *expected_answer(session_db, "schaerbeek", "health", "tr"))
    widget.wait_for_text(text("language_set", "fa"))
    expect(widget.page.locator(f"{WIDGET} .item.typing")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    expect(widget.page.locator(f"{WIDGET} select")).to_have_value("fa")
    expect(widget.panel()).to_have_attribute("dir", "rtl")
    slots = widget_tracker(rasa_server, session_id_of(widget, "schaerbeek"))["slots"]
    assert slots["language"] == "fa"


def test_buttons_are_quick_replies(open_widget, web_app, session_db):
    widget = open_widget(f"{web_app}/jelgava")  # Latvian page
    expect(widget.page.locator(f"{WIDGET} .welcome .replies button")).to_have_count(len(load_taxonomy().themes))
    widget.click_reply(text("theme_housing", "lv"))
    widget.wait_for_text(text("category_shelter", "lv"))
    # the buttons that were answered are gone; the bot's new ones are there
    expect(widget.page.locator(f"{WIDGET} .welcome .replies")).to_have_count(0)
    widget.click_reply(text("category_housing", "lv"))
    assert_shows_answer(widget, *expected_answer(session_db, "jelgava", "housing", "lv"))
    user_messages = [m["text"] for m in widget.messages() if m["from"] == "user"]
    assert user_messages == [text("theme_housing", "lv"), text("category_housing", "lv")]


# --- keyboard and screen reader -------------------------------------------------------------

FOCUSED = """() => {
  let element = document.activeElement;
  while (element && element.shadowRoot && element.shadowRoot.activeElement) element = element.shadowRoot.activeElement;
  const style = getComputedStyle(element);
  return {tag: element.tagName.toLowerCase(), cls: element.className, text: element.textContent.trim(),
          outline: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth)};
}"""

CONTRAST = """host => {
  const root = host.shadowRoot;
  const rgb = value => (value.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = element => {
    for (; element; element = element.parentElement || (element.getRootNode().host)) {
      const color = rgb(getComputedStyle(element).backgroundColor);
      if (color.length === 3 || color[3] > 0) return color.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const ratio = (fg, bg) => {
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  };
  const checks = {
    title: '.title', bot: '.item.bot .bubble', user: '.item.user .bubble', reply: '.reply',
    input: 'textarea', send: '.send', picker: 'select', state: '.item.user .state',
  };
  const result = {};
  for (const [name, selector] of Object.entries(checks)) {
    const element = root.querySelector(selector);
    if (element) result[name] = ratio(rgb(getComputedStyle(element).color), background(element));
  }
  const input = root.querySelector('textarea');
  result.placeholder = ratio(rgb(getComputedStyle(input, '::placeholder').color), background(input));
  return result;
}"""


def test_keyboard_only_and_screen_reader(open_widget, web_app, session_db):
    widget = open_widget(f"{web_app}/schaerbeek")
    page = widget.page
    # every control has a name in the page's language; new messages are announced
    expect(page.get_by_role("combobox", name=text("widget_language", "fr"))).to_be_visible()
    expect(page.get_by_role("textbox", name=text("widget_input", "fr"))).to_be_visible()
    expect(page.get_by_role("button", name=text("widget_send", "fr"))).to_be_visible()
    log = page.get_by_role("log", name=text("widget_conversation", "fr"))
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.locator(f"{WIDGET} [role=status]")).to_have_attribute("aria-live", "polite")

    # focus order: the site's link, the menu, the language, the conversation, its buttons, the text box, send
    order = []
    for _ in range(10):
        page.keyboard.press("Tab")
        order.append(page.evaluate(FOCUSED))
    themes = [text(f"theme_{theme}", "fr") for theme in load_taxonomy().themes]
    assert [f["tag"] for f in order] == ["a", "button", "select", "div", "button", "button", "button", "button", "textarea", "button"]
    assert text("menu_open", "fr") in order[1]["text"]
    assert [f["text"] for f in order[4:8]] == themes and order[9]["text"] == text("widget_send", "fr")
    assert all(f["outline"] >= 2 for f in order[1:]), order  # the focus can be seen

    # a theme button with Enter; the keyboard stays in the chat when the buttons go away
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back on the last theme button
    page.keyboard.press("Enter")
    widget.wait_for_text(text("category_social_activities", "fr"))
    assert page.evaluate(FOCUSED)["tag"] == "textarea"
    page.keyboard.type("j'ai besoin d'un médecin")
    page.keyboard.press("Enter")
    intro, names = expected_answer(session_db, "schaerbeek", "health", "fr")
    assert_shows_answer(widget, intro, names)
    widget.wait_for_text(text("related", "fr"))
    # back into the conversation to a related topic, then the language, all by keyboard
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] == "button" and focused["cls"] == "reply"
    answers_so_far = len(widget.bot_texts())
    page.keyboard.press("Enter")
    expect(page.locator(f"{WIDGET} .item.user .bubble").last).to_contain_text(focused["text"])
    expect(page.locator(f"{WIDGET} .item.bot")).not_to_have_count(answers_so_far + 1, timeout=60_000)
    assert len(widget.bot_texts()) > answers_so_far

    contrast = page.locator(WIDGET).evaluate(CONTRAST)
    assert all(ratio >= 4.5 for ratio in contrast.values()), contrast

    page.locator(f"{WIDGET} select").focus()
    page.keyboard.press("ArrowDown")  # Français -> Nederlands
    expect(page.locator(f"{WIDGET} button.send")).to_have_text(text("widget_send", "nl"))
    widget.wait_for_text(text("language_set", "nl"))


# --- safety and connection ------------------------------------------------------------------

def test_knowledge_base_html_is_shown_as_text_and_runs_nothing(chromium, own_stack):
    site = CitySite(own_stack.web_url, "schaerbeek", "fr")
    widget = WidgetPage(chromium)
    try:
        widget.open(site.url)
        widget.click_reply(text("theme_participation_inclusion", "fr"))
        widget.click_reply(text("category_social_activities", "fr"))
        widget.wait_for_text("Club d'échecs")
        widget.page.wait_for_timeout(1000)  # time for an injected handler to have run
        assert widget.page.evaluate("window.inclubotHacked") is None
        widget.wait_for_text(f"{XSS_SCRIPT}Club d'échecs")
        widget.wait_for_text(f"Venez jouer {XSS_IMAGE} chaque semaine.")
        assert widget.page.locator(WIDGET).evaluate("h => h.shadowRoot.querySelectorAll('.log img, .log script').length") == 0
        assert not [url for url in widget.requested if url.endswith("/x")]
        assert not widget.page_errors and not widget.foreign_requests()
        widget.screenshot(ARTIFACTS / "widget-html-as-text.png")
    finally:
        widget.close()
        site.close()


def test_widget_recovers_when_the_rasa_server_restarts(chromium, own_stack):
    widget = WidgetPage(chromium)
    try:
        widget.open(f"{own_stack.web_url}/schaerbeek")
        widget.say("j'ai besoin d'un médecin")
        assert_shows_answer(widget, *expected_answer(own_stack.database_url, "schaerbeek", "health", "fr"))

        own_stack.rasa.stop()
        expect(widget.status()).to_have_text(text("widget_offline", "fr"), timeout=30_000)
        widget.say("je cherche un logement")
        pending = widget.page.locator(f"{WIDGET} .item.user").last
        expect(pending.locator(".state")).to_have_text(text("widget_pending", "fr"), timeout=15_000)
        widget.screenshot(ARTIFACTS / "widget-offline-fr.png")
        widget.reload()  # still there, still marked, after a reload
        expect(pending.locator(".state")).to_have_text(text("widget_pending", "fr"), timeout=15_000)
        expect(pending.locator(".bubble")).to_contain_text("je cherche un logement")

        own_stack.rasa.start()
        own_stack.rasa.wait_until_up()
        assert_shows_answer(widget, *expected_answer(own_stack.database_url, "schaerbeek", "housing", "fr"))
        expect(pending.locator(".state")).to_have_text("")
        expect(widget.status()).to_have_text(re.compile(f"^({re.escape(text('widget_reconnected', 'fr'))})?$"))
        sent = [m for m in widget.messages() if m["from"] == "user"]
        assert [m["text"] for m in sent] == ["j'ai besoin d'un médecin", "je cherche un logement"]
        assert not widget.page_errors
    finally:
        widget.close()


# --- the socket.io channel itself -------------------------------------------------------------

async def talk(rasa_url: str, *steps):
    """Runs steps on a socket.io connection; returns the acks and what the bot said."""
    client = socketio.AsyncClient()
    said, confirmed = [], asyncio.Queue()
    client.on("bot_uttered", lambda message: said.append(message))
    client.on("session_confirm", lambda session_id: confirmed.put_nowait(session_id))
    await client.connect(rasa_url, transports=["polling"])
    acks, session_id = [], None
    try:
        for event, data in steps:
            if event == "session_request":
                await client.emit(event, data)
                session_id = await asyncio.wait_for(confirmed.get(), 10)
                acks.append(session_id)
            else:
                if isinstance(data, dict) and data.get("session_id") == "CONFIRMED":
                    data = {**data, "session_id": session_id}
                acks.append(await client.call(event, data, timeout=60))
    finally:
        await client.disconnect()
    return acks, said


def test_socketio_channel_checks_what_it_receives(rasa_server):
    # In a thread of its own: Playwright's sync API keeps an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        acks, said = thread.submit(asyncio.run, talk(
            rasa_server,
            ("user_uttered", {"message": "hello"}),  # no session: refused with a reason
            ("session_request", {"session_id": "../not-a-session"}),  # replaced by one of ours
            ("user_uttered", {"message": "x" * 6000, "session_id": "CONFIRMED", "metadata": {"language_hint": "uk"}}),
            ("user_uttered", {"message": "   ", "session_id": "CONFIRMED", "metadata": {"language": "es", "city": "atlantis"}}),
        )).result(timeout=180)
    assert acks[0]["ok"] is False and "session" in acks[0]["error"]
    assert re.fullmatch(r"[0-9a-f]{32}", acks[1])
    assert acks[2] == {"ok": True} and acks[3] == {"ok": True}
    assert [m["text"] for m in said] == [text("input_too_long", "uk"), text("input_empty", "es")]
