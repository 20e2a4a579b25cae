"""Debian's Chromium driven by Playwright, and the chat widget as a user sees it.

Nothing is downloaded: Playwright starts /usr/bin/chromium (scripts/setup.sh test installs
it), never a browser of its own.
"""
import os
import shutil
from pathlib import Path
from typing import Dict, List
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = os.environ.get("INCLUBOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 740}
ANSWER_TIMEOUT_MS = 60_000  # a first answer may wait for the action server's first query

WIDGET = "[data-inclubot]"  # Playwright's CSS selectors pierce the widget's open shadow root

# The messages of the log as the user reads them, without the screen-reader prefixes.
# An answer card is read as its text without its buttons' words (call, map, more, vote).
READ_LOG = """host => [...host.shadowRoot.querySelectorAll('.log .item:not(.typing)')].map(item => {
  const bubble = item.querySelector('.bubble, .card').cloneNode(true);
  bubble.querySelectorAll('.visually-hidden, .actions, .vote, summary').forEach(hidden => hidden.remove());
  const state = item.querySelector('.state');
  return {
    from: item.classList.contains('user') ? 'user' : 'bot',
    welcome: item.classList.contains('welcome'),
    text: bubble.textContent,
    state: state ? state.textContent : '',
  };
})"""


# Resolves once the fonts are in and two frames have been laid out and painted.
SETTLED = """() => document.fonts.ready.then(() => new Promise(
  done => requestAnimationFrame(() => requestAnimationFrame(done))))"""


class ChromiumSession:
    """One browser for a test module."""

    def __init__(self):
        if not shutil.which(CHROMIUM) and not Path(CHROMIUM).is_file():
            raise RuntimeError(f"{CHROMIUM} not found: run `scripts/setup.sh test` (it installs Debian's chromium)")
        self._playwright = sync_playwright().start()
        self.browser: Browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)

    def close(self) -> None:
        self.browser.close()
        self._playwright.stop()


class WidgetPage:
    """A city page with the widget, in a fresh browser context (own sessionStorage)."""

    def __init__(self, browser: Browser, viewport: Dict[str, int] = None):
        self.context = browser.new_context(viewport=viewport or DESKTOP)
        self.page: Page = self.context.new_page()
        self.requested: List[str] = []
        self.page_errors: List[str] = []
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("websocket", lambda socket: self.requested.append(socket.url))
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def open(self, url: str) -> "WidgetPage":
        self.page.goto(url)
        self.wait_until_shown()
        return self

    def wait_until_shown(self) -> None:
        """The widget's field is shown and the page has settled: on a busy machine the layout
        still moves for a moment after the field first shows (fonts, then a frame or two)."""
        expect(self.page.locator(f"{WIDGET} textarea")).to_be_visible()
        self.page.evaluate(SETTLED)

    def reload(self) -> None:
        self.page.reload()
        self.wait_until_shown()

    def close(self) -> None:
        self.context.close()

    # what the user does

    def say(self, text: str) -> None:
        self.page.locator(f"{WIDGET} textarea").fill(text)
        self.page.locator(f"{WIDGET} textarea").press("Enter")

    def click_reply(self, title: str) -> None:
        self.page.locator(f"{WIDGET} .replies button", has_text=title).last.click()

    def pick_language(self, code: str) -> None:
        self.page.locator(f"{WIDGET} select").select_option(code)

    # what the user sees

    def messages(self) -> List[Dict]:
        return self.page.locator(WIDGET).evaluate(READ_LOG)

    def bot_texts(self) -> List[str]:
        return [m["text"] for m in self.messages() if m["from"] == "bot" and not m["welcome"]]

    def log(self):
        return self.page.locator(f"{WIDGET} .log")

    def wait_for_text(self, text: str, timeout: int = ANSWER_TIMEOUT_MS) -> None:
        expect(self.log()).to_contain_text(text, timeout=timeout)

    def status(self):
        return self.page.locator(f"{WIDGET} .status")

    def panel(self):
        return self.page.locator(f"{WIDGET} .chat")

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)

    def foreign_requests(self) -> List[str]:
        """Everything the page asked for from anywhere but this machine."""
        return [url for url in self.requested if urlsplit(url).hostname not in ("127.0.0.1", "localhost") and not url.startswith("data:")]
