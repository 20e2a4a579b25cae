"""Rasa input channels of IncluBot: REST, the web widget (socket.io) and Telegram."""

from bot import rasa_speedups  # noqa: F401,E402 - loaded with any of our channels
