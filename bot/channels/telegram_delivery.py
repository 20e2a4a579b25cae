"""Calls to the Telegram Bot API that must get through: retried with backoff, never twice.

429 waits the `retry_after` Telegram asks for; 5xx, connection errors and timeouts are retried
with exponential backoff; a 400 (our request is wrong) or 403 (the user blocked the bot) is
not retried. A call that gets an answer is never repeated, so a reply is sent once. The one
ambiguous case is a read timeout after Telegram received the call: it is retried, because for
these users a reply seen twice costs less than a reply lost (the read timeout is generous).
"""
import asyncio
import logging
import random
import warnings
from datetime import timedelta
from typing import Awaitable, Callable, TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

logger = logging.getLogger(__name__)
T = TypeVar("T")


class DeliveryFailed(Exception):
    pass


def seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retry_after(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns that the attribute's type will change
        warnings.simplefilter("ignore")
        return seconds(error.retry_after)


class RetryPolicy:
    def __init__(self, attempts: int = 6, first_delay: float = 0.5, max_delay: float = 8.0, max_wait: float = 300.0):
        self.attempts = attempts
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_wait = max_wait  # total time a call may spend waiting before we give up

    async def call(self, what: str, make_call: Callable[[], Awaitable[T]]) -> T:
        """The result of `make_call()`, retried as the module docstring says.

        `what` names the call in logs (a method name, never message text)."""
        waited = 0.0
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_call()
            except RetryAfter as error:
                delay = retry_after(error) + 0.05
                reason = f"Telegram asked to wait {delay:.1f} s"
            except BadRequest as error:  # a NetworkError subclass, but retrying cannot help
                raise DeliveryFailed(f"{what} rejected: {error.message}") from error
            except NetworkError as error:  # 5xx, connection errors, timeouts
                delay = min(self.max_delay, self.first_delay * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
                reason = f"{type(error).__name__}: {error.message}"
            except TelegramError as error:  # 403 blocked, 401 token, 409 conflict ...
                raise DeliveryFailed(f"{what} failed: {type(error).__name__}: {error.message}") from error
            if attempt == self.attempts or waited + delay > self.max_wait:
                raise DeliveryFailed(f"{what} failed after {attempt} attempt(s): {reason}")
            logger.warning("Telegram %s attempt %d failed (%s); retrying in %.1f s", what, attempt, reason, delay)
            await asyncio.sleep(delay)
            waited += delay
        raise AssertionError("unreachable")
