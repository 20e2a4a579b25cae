"""Telegram configuration from the environment, and the python-telegram-bot client it gives.

  TELEGRAM_BOT_TOKEN      the token from @BotFather; without it the channel stays off
  TELEGRAM_WEBHOOK_URL    public https URL of /webhooks/telegram/webhook; registered on start.
                          Leave unset for polling mode (`inclubot telegram-polling`).
  TELEGRAM_SECRET_TOKEN   secret Telegram sends with every update (A-Z a-z 0-9 _ -, 1-256);
                          derived from the bot token when unset
  TELEGRAM_API_BASE_URL   Bot API base URL (default https://api.telegram.org/bot); tests point
                          it at a local stand-in
  TELEGRAM_READ_TIMEOUT   seconds to wait for Telegram's answer to one call (default 15)
"""
import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass
from typing import Mapping, Optional

from telegram import Bot
from telegram.request import HTTPXRequest

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Updates the assistant handles; Telegram sends no others.
ALLOWED_UPDATES = ["message", "callback_query"]

# httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)


class TelegramConfigError(ValueError):
    pass


@dataclass(frozen=True)
class TelegramSettings:
    token: Optional[str]
    webhook_url: Optional[str]
    secret: Optional[str]
    api_base_url: str
    read_timeout: float

    @classmethod
    def from_env(cls, env: Mapping[str, str] = None) -> "TelegramSettings":
        env = os.environ if env is None else env
        token = (env.get("TELEGRAM_BOT_TOKEN") or "").strip() or None
        secret = (env.get("TELEGRAM_SECRET_TOKEN") or "").strip() or None
        if secret is not None and not SECRET_FORMAT.match(secret):
            raise TelegramConfigError(
                "TELEGRAM_SECRET_TOKEN may only contain A-Z, a-z, 0-9, _ and - (1 to 256 characters)"
            )
        if secret is None and token is not None:
            # Both the Rasa server and the poller can compute it; nobody without the token can.
            secret = hmac.new(token.encode(), b"inclubot telegram webhook", hashlib.sha256).hexdigest()
        try:
            read_timeout = float(env.get("TELEGRAM_READ_TIMEOUT") or 15)
        except ValueError:
            raise TelegramConfigError("TELEGRAM_READ_TIMEOUT must be a number of seconds") from None
        return cls(
            token=token,
            webhook_url=(env.get("TELEGRAM_WEBHOOK_URL") or "").strip() or None,
            secret=secret,
            api_base_url=(env.get("TELEGRAM_API_BASE_URL") or "").strip() or DEFAULT_API_BASE_URL,
            read_timeout=read_timeout,
        )

    @property
    def configured(self) -> bool:
        return self.token is not None

    def bot(self, long_poll_seconds: float = 0) -> Bot:
        """A client for the Bot API; `long_poll_seconds` widens the getUpdates read timeout."""
        def request(read_timeout: float) -> HTTPXRequest:
            return HTTPXRequest(
                connection_pool_size=64, connect_timeout=5.0, write_timeout=10.0,
                pool_timeout=5.0, read_timeout=read_timeout,
            )

        return Bot(
            self.token,
            base_url=self.api_base_url,
            request=request(self.read_timeout),
            get_updates_request=request(self.read_timeout + long_poll_seconds),
        )
