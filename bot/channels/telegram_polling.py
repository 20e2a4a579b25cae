"""Polling mode, for development and for a city without a public HTTPS address.

Fetches updates from Telegram with getUpdates and hands each, unchanged, to the Rasa server's
Telegram webhook with the secret header, so both modes share one handling path. An update is
confirmed to Telegram (the next getUpdates offset) only once the webhook has taken it: while
the Rasa server is down or restarting, updates wait at Telegram, none is lost.

  python -m bot.channels.telegram_polling [--rasa-url http://127.0.0.1:5005]

`inclubot telegram-polling` starts the whole assistant with this poller.
"""
import argparse
import asyncio
import logging
import signal
import sys
import warnings
from pathlib import Path
from typing import Any, List, Optional

import httpx
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels.telegram_delivery import DeliveryFailed, RetryPolicy, retry_after
from bot.channels.telegram_settings import ALLOWED_UPDATES, SECRET_HEADER, TelegramConfigError, TelegramSettings
from bot.servers import BIN, Server
from bot.settings import local_rasa_url

logger = logging.getLogger("inclubot.telegram_polling")
LONG_POLL_SECONDS = 25
MAX_BACKOFF = 30.0
# getUpdates is called through do_api_request to receive the raw JSON: parsing is the
# webhook's job, and one update the parser rejects must not block all that follow.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


def webhook_url(rasa_url: str) -> str:
    return rasa_url.rstrip("/") + "/webhooks/telegram/webhook"


class Poller:
    def __init__(self, settings: TelegramSettings, rasa_url: str, long_poll: int = LONG_POLL_SECONDS):
        self.settings = settings
        self.target = webhook_url(rasa_url)
        self.long_poll = long_poll
        self.bot = settings.bot(long_poll_seconds=long_poll)
        self.offset: Optional[int] = None

    async def run(self) -> None:
        await RetryPolicy(attempts=10, max_delay=MAX_BACKOFF).call(
            "deleteWebhook", lambda: self.bot.delete_webhook(drop_pending_updates=False)
        )
        me = await RetryPolicy(attempts=10, max_delay=MAX_BACKOFF).call("getMe", self.bot.get_me)
        logger.info("polling Telegram for @%s, handing updates to %s", me.username, self.target)
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0)) as client:
            failures = 0
            while True:
                try:
                    updates = await self.fetch()
                    failures = 0
                except RetryAfter as error:
                    await asyncio.sleep(retry_after(error))
                    continue
                except Conflict:
                    failures += 1
                    logger.error("Telegram refuses getUpdates: a webhook is set or another poller runs")
                    await asyncio.sleep(backoff(failures))
                    continue
                except InvalidToken:
                    raise
                except TelegramError as error:  # 5xx, timeouts, connection errors
                    failures += 1
                    logger.warning("getUpdates failed (%s); retrying", error.message)
                    await asyncio.sleep(backoff(failures))
                    continue
                for update in updates:
                    await self.hand_over(client, update)

    async def fetch(self) -> List[Any]:
        result = await self.bot.do_api_request(
            "getUpdates",
            api_kwargs={"offset": self.offset, "timeout": self.long_poll, "allowed_updates": ALLOWED_UPDATES},
        )
        return result if isinstance(result, list) else []

    async def hand_over(self, client: httpx.AsyncClient, update: Any) -> None:
        """Posts one update to the webhook until it is taken, then moves the offset past it."""
        update_id = update.get("update_id") if isinstance(update, dict) else None
        failures = 0
        while True:
            try:
                answer = await client.post(self.target, json=update, headers={SECRET_HEADER: self.settings.secret})
                status = answer.status_code
            except httpx.HTTPError as error:
                status, problem = None, f"{type(error).__name__}"
            else:
                problem = f"HTTP {status}"
            if status is not None and (200 <= status < 300 or status in (400, 413)):
                if status != 200:
                    logger.warning("the webhook rejected update %s (%s); skipped", update_id, problem)
                break
            failures += 1
            if status == 403:
                logger.error("the webhook refused the secret: TELEGRAM_SECRET_TOKEN must be the same for both processes")
            elif failures in (1, 10) or failures % 50 == 0:
                logger.warning("the Rasa server did not take update %s (%s); retrying", update_id, problem)
            await asyncio.sleep(backoff(failures))
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            self.offset = max(self.offset or 0, update_id + 1)


def backoff(failures: int) -> float:
    return min(MAX_BACKOFF, 0.5 * 2 ** (failures - 1))


def poller_server(rasa_url: str, log_path: Path = None) -> Server:
    """The poller as one of the servers `inclubot telegram-polling` starts; it counts as up
    once the Rasa server's Telegram channel answers."""
    return Server(
        name="Telegram poller",
        command=[str(BIN / "python"), "-m", "bot.channels.telegram_polling", "--rasa-url", rasa_url],
        health_url=rasa_url.rstrip("/") + "/webhooks/telegram/",
        log_path=log_path,
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.telegram_polling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    default_rasa = local_rasa_url()
    parser.add_argument("--rasa-url", default=default_rasa, help=f"the Rasa server (default {default_rasa})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    problem = configuration_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    poller = Poller(TelegramSettings.from_env(), args.rasa_url)

    async def run_until_stopped() -> None:
        task = asyncio.create_task(poller.run())
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(stop_signal, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            logger.info("polling stopped")
        finally:
            await poller.bot.shutdown()

    try:
        asyncio.run(run_until_stopped())
    except (DeliveryFailed, InvalidToken) as error:
        print(f"Telegram polling stopped: {error}", file=sys.stderr)
        return 1
    return 0


def configuration_problem() -> Optional[str]:
    """Why polling cannot start, in words for the person starting it; None when it can."""
    try:
        settings = TelegramSettings.from_env()
    except TelegramConfigError as error:
        return str(error)
    if not settings.configured:
        return "Set TELEGRAM_BOT_TOKEN to the token @BotFather gave you (see README, 'Connect your bot')."
    if settings.webhook_url:
        return "TELEGRAM_WEBHOOK_URL is set: that is webhook mode. Unset it to poll."
    return None


if __name__ == "__main__":
    sys.exit(main())
