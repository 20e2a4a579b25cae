"""Telegram's menu: the bot commands (the "Menu" button beside the input, in each of the
assistant's languages) and `/menu`, the same five things as the widget's menu: topics,
change city, change language, talk to a person, start over."""
import logging
from typing import Dict, List

from telegram import Bot, BotCommand

from bot.channels.telegram_delivery import DeliveryFailed, RetryPolicy
from knowledge.taxonomy import load_taxonomy
from replies.texts import text

logger = logging.getLogger(__name__)

# command -> the catalogue key of its description
COMMANDS = {
    "menu": "menu_open", "help": "menu_topics", "city": "menu_city", "language": "menu_language",
    "human": "menu_person", "forget": "widget_forget", "voice": "listen", "start": "menu_restart",
}
# Menu buttons the channel answers itself, as if the command had been typed.
CHANNEL_PAYLOADS = ("/city", "/start")


def menu_buttons(language: str) -> List[Dict[str, str]]:
    return [
        {"title": text("menu_topics", language), "payload": "/help"},
        {"title": text("menu_city", language), "payload": "/city"},
        {"title": text("menu_language", language), "payload": "/choose_language"},
        {"title": text("menu_person", language), "payload": "/ask_human"},
        {"title": text("menu_restart", language), "payload": "/start"},
    ]


async def register_commands(bot: Bot, retry: RetryPolicy) -> None:
    """The command list in every language (English for any other), so that Telegram's menu
    button speaks the person's language."""
    languages = [None, *load_taxonomy().languages]
    for language in languages:
        commands = [BotCommand(name, text(key, language or "en")[:256]) for name, key in COMMANDS.items()]
        try:
            await retry.call("setMyCommands", lambda: bot.set_my_commands(commands, language_code=language))
        except DeliveryFailed as error:
            logger.warning("the bot commands could not be set: %s", error)
            return
