"""Reading aloud: POST /api/speech on the real web app (espeak-ng + opusenc, offline), checked
with opusinfo as a player would read the file; refusals in the asker's language; the text
never in the log."""
import re
import secrets
import subprocess
from pathlib import Path

import pytest
import requests

from bot import servers
from bot.speech import MAX_CHARS, spoken_form
from knowledge.taxonomy import load_taxonomy
from replies.texts import text
from web.speech import REQUESTS_PER_MINUTE

# A typical answer in each language (the bot's own words, so every voice reads its script).
SAMPLE_KEYS = ("emergency", "not_verified")
PLAYBACK = re.compile(r"Playback length:\s*(\d+)m:(\d+(?:\.\d+)?)s")


@pytest.fixture(scope="module")
def web_app(tmp_path_factory):
    directory = tmp_path_factory.mktemp("speech")
    port = servers.free_port()
    server = servers.web_server(port, env={
        "INCLUBOT_DATABASE_URL": f"sqlite:///{directory / 'kb.db'}", "INCLUBOT_SECRET_KEY": secrets.token_urlsafe(40),
    }, log_path=directory / "web.log").start()
    server.wait_until_up(timeout=60)
    try:
        yield f"http://127.0.0.1:{port}", directory / "web.log"
    finally:
        server.stop()


def duration_seconds(audio: bytes, directory: Path) -> float:
    path = directory / "speech.ogg"
    path.write_bytes(audio)
    report = subprocess.run(["opusinfo", str(path)], capture_output=True, text=True, timeout=30)
    assert report.returncode == 0, report.stdout + report.stderr
    minutes, seconds = PLAYBACK.search(report.stdout).groups()
    return int(minutes) * 60 + float(seconds)


@pytest.mark.parametrize("language", load_taxonomy().languages)
def test_every_language_is_read_aloud_as_ogg_opus(web_app, language, tmp_path):
    url, _ = web_app
    sample = " ".join(text(key, language) for key in SAMPLE_KEYS)
    response = requests.post(f"{url}/api/speech", json={"text": sample, "language": language}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("audio/ogg")
    assert response.content[:4] == b"OggS"
    assert b"OpusHead" in response.content[:200]
    assert duration_seconds(response.content, tmp_path) > 2.0  # two sentences take seconds to say


@pytest.mark.parametrize("body, status, key, language", [
    ({"text": "", "language": "fr"}, 400, "speech_empty", "fr"),
    ({"text": "   \n ", "language": "ar"}, 400, "speech_empty", "ar"),
    ({"text": "x" * (MAX_CHARS + 1), "language": "uk"}, 413, "speech_too_long", "uk"),
    ({"text": "Hello", "language": "pt"}, 400, "speech_bad_request", "en"),
    ({"text": ["not", "a", "text"], "language": "en"}, 400, "speech_empty", "en"),
    ([1, 2, 3], 400, "speech_bad_request", "en"),
])
def test_bad_requests_get_a_clear_message(web_app, body, status, key, language):
    url, _ = web_app
    response = requests.post(f"{url}/api/speech", json=body, timeout=30)
    assert response.status_code == status
    assert response.json() == {"error": text(key, language)}


def test_a_body_that_is_not_json_is_refused(web_app):
    url, _ = web_app
    response = requests.post(f"{url}/api/speech", data=b"\xff\xfe\x00binary", headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400 and response.json() == {"error": text("speech_bad_request", "en")}


def test_any_site_may_ask_for_it(web_app):
    url, _ = web_app
    preflight = requests.options(f"{url}/api/speech", headers={
        "Origin": "https://www.example-city.be", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }, timeout=30)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_phone_numbers_are_read_digit_by_digit():
    assert spoken_form("Call 112 now") == "Call 1 1 2  now"
    assert "0 8 0 0 3 2 1 2 3" in spoken_form("Phone: 0800 32 123.")
    assert "3 2 2 5 5 5 0 1 2 3" in spoken_form("Phone: +32 2 555 01 23")
    kept = spoken_form("Open 9:00-17:30, 350 m away, verified on 2026-01-02, since 2024.")
    assert kept == "Open 9-17 30, 350 m away, verified on 2026-01-02, since 2024."


def test_the_text_is_never_logged_and_too_many_requests_are_refused(web_app):
    url, log = web_app
    secret = "My name is Zainab Test-Karimi and I live at Rue Secrète 9"
    statuses = [
        requests.post(f"{url}/api/speech", json={"text": secret, "language": "en"}, timeout=60).status_code
        for _ in range(REQUESTS_PER_MINUTE + 1)
    ]
    assert statuses[-1] == 429, statuses
    refused = requests.post(f"{url}/api/speech", json={"text": secret, "language": "es"}, timeout=30)
    assert refused.status_code == 429 and refused.json() == {"error": text("speech_too_many", "es")}
    assert "Zainab" not in log.read_text(errors="replace")
