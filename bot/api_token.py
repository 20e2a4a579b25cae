"""The token of the Rasa HTTP API (/model/parse, /conversations, /model): always on.

From INCLUBOT_API_TOKEN (32+ characters; the same on every server of a deployment), else
from var/api_token, made at first start and readable by its owner only. Rasa gets it inside
its process (bot/rasa_command.py), never on a command line: `ps` shows every process's
arguments to every local user. Every caller of the HTTP API (the servers' health check,
the tests, the benchmarks) reads it from here.
"""
from typing import Mapping, Optional

from bot.settings import VAR_DIR
from knowledge import private_files

TOKEN_FILE = VAR_DIR / "api_token"
VARIABLE = "INCLUBOT_API_TOKEN"


def api_token(environ: Optional[Mapping[str, str]] = None) -> str:
    """The token, from `environ` (by default this process's environment) or the file."""
    return private_files.secret(VARIABLE, TOKEN_FILE, environ=environ)


def with_token(params: dict = None) -> dict:
    """Query parameters of an HTTP API request (Rasa reads the token from `?token=`)."""
    return {**(params or {}), "token": api_token()}
