"""Issue 14, against the running servers: the Rasa HTTP API needs its token (made at first
start, on no command line), the REST channel is for local clients only, and what the
servers write is readable by their owner only."""
import os
import stat
import subprocess
from pathlib import Path

import pytest
import requests

from bot import servers
from bot.api_token import TOKEN_FILE, api_token, with_token
from knowledge import private_files
from processes import command_lines


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_http_api_refuses_requests_without_the_token(rasa_server):
    """Issue 14.4: any local process could read trackers, inject events, replace the model."""
    for params in ({}, {"token": "wrong"}, {"token": ""}):
        if params:
            assert requests.post(f"{rasa_server}/model/parse", params=params, json={"text": "hello"}, timeout=30).status_code == 401
        assert requests.get(f"{rasa_server}/conversations/rest:someone/tracker", params=params, timeout=30).status_code == 401
        event = {"event": "slot", "name": "city", "value": "mechelen"}
        assert requests.post(f"{rasa_server}/conversations/rest:someone/tracker/events", params=params,
                             json=event, timeout=30).status_code == 401
        assert requests.put(f"{rasa_server}/model", params=params, json={"model_file": "models/none.tar.gz"},
                            timeout=30).status_code == 401
    parsed = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": "I need a doctor"}, timeout=30)
    assert parsed.status_code == 200 and parsed.json()["intent"]["name"] == "health"


def test_parse_answers_a_local_client_without_the_token_and_a_relayed_one_only_with_it(rasa_server):
    """/model/parse reads no conversation and changes nothing: it works locally (DESIGN.md)."""
    local = requests.post(f"{rasa_server}/model/parse", json={"text": "ana bade doktor"}, timeout=30)
    assert local.status_code == 200
    assert local.json()["intent"]["name"] == "health" and local.json()["language"]["script"] == "latin"
    relayed = requests.post(f"{rasa_server}/model/parse", json={"text": "hello"}, headers={"X-Forwarded-For": "203.0.113.5"}, timeout=30)
    assert relayed.status_code == 401
    relayed = requests.post(f"{rasa_server}/model/parse", json={"text": "hello"}, headers={"X-Forwarded-For": "203.0.113.5"},
                            params=with_token(), timeout=30)
    assert relayed.status_code == 200
    assert requests.post(f"{rasa_server}/model/parse", data=b"[1]", timeout=30).status_code == 400


def test_the_token_is_made_at_first_start_and_appears_on_no_command_line_nor_log(rasa_server, server_logs):
    token = api_token()
    assert len(token) >= 32
    if not os.environ.get("INCLUBOT_API_TOKEN"):
        assert TOKEN_FILE.read_text().strip() == token and mode(TOKEN_FILE) == 0o600
    lines = [b"\0".join(arguments) for _, arguments in command_lines()]
    assert any(b"bot.rasa_command" in line for line in lines), "the Rasa server is running"
    assert not [line for line in lines if token.encode() in line]
    requests.get(f"{rasa_server}/status", params=with_token(), timeout=30)  # a request with the token …
    assert token not in (server_logs / "rasa.log").read_text(errors="replace")  # … is not logged with it


@pytest.mark.slow  # runs the inclubot command as a process
def test_a_new_installation_gets_its_own_token(tmp_path, monkeypatch):
    monkeypatch.delenv("INCLUBOT_API_TOKEN", raising=False)
    monkeypatch.setattr("bot.api_token.TOKEN_FILE", tmp_path / "var" / "api_token")
    first = api_token()
    assert len(first) >= 32 and api_token() == first  # kept across restarts
    assert private_files.secret("INCLUBOT_API_TOKEN", tmp_path / "other" / "api_token") != first  # one per installation
    assert mode(tmp_path / "var") == 0o700 and mode(tmp_path / "var" / "api_token") == 0o600
    monkeypatch.setenv("INCLUBOT_API_TOKEN", "short")
    result = subprocess.run([str(servers.BIN / "inclubot"), "serve", "rasa"], env={**os.environ, "INCLUBOT_RASA_PORT": str(servers.free_port())},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "INCLUBOT_API_TOKEN must have at least 32 characters" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_rest_channel_refuses_requests_relayed_by_a_proxy(rasa_server):
    """Issue 14.1: the REST channel takes any sender, so it is not for the outside world."""
    body = {"sender": "outsider", "message": "I need a doctor"}
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        response = requests.post(f"{rasa_server}/webhooks/rest/webhook", json=body, headers={header: "203.0.113.5"}, timeout=30)
        assert response.status_code == 403 and "INCLUBOT_REST_CLIENTS" in response.json()["error"]
    assert requests.post(f"{rasa_server}/webhooks/rest/webhook", json=body, timeout=60).json()  # a local client is answered


def test_what_the_servers_write_is_readable_by_their_owner_only(rasa_server, server_logs, tmp_path):
    """Issue 14.9: var/, its databases, keys and logs were 0644."""
    for written in (server_logs / "tracker.db", server_logs / "rasa.log", server_logs / "actions.log"):
        assert mode(written) == 0o600, written
    assert mode(servers.PROJECT_ROOT / "var") & 0o077 == 0
    # The command line, from a shell with the usual umask (022).
    database = tmp_path / "fresh" / "inclubot.db"
    result = subprocess.run(
        ["sh", "-c", f"umask 022 && exec {servers.BIN / 'inclubot'} db upgrade"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "INCLUBOT_DATABASE_URL": f"sqlite:///{database}",
             "INCLUBOT_TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'fresh' / 'tracker.db'}"},
    )
    assert result.returncode == 0, result.stderr
    assert mode(database) == 0o600 and mode(database.parent) == 0o700


def test_files_left_readable_by_an_older_version_are_tightened(tmp_path):
    var = tmp_path / "var"
    (var / "log").mkdir(parents=True)
    for path in (var / "secret_key", var / "log" / "web.log"):
        path.write_text("x")
        path.chmod(0o644)
    var.chmod(0o755)
    private_files.tighten(var)
    assert [mode(p) for p in (var, var / "log", var / "secret_key", var / "log" / "web.log")] == [0o700, 0o700, 0o600, 0o600]


def test_the_http_api_refuses_a_text_longer_than_the_channels_accept(rasa_server):
    """Found by bench/fuzz.py: /model/parse of 50,000 emoji took over 2 minutes."""
    response = requests.post(f"{rasa_server}/model/parse", params=with_token(), json={"text": "\U0001F600" * 50_000}, timeout=60)
    assert response.status_code == 400 and "longer than 5000 characters" in response.json()["message"]
