"""Telegram redelivers an update when it missed our answer: each update_id is handled once.

Remembered in this process and, when INCLUBOT_REDIS_URL is set (several Rasa processes
behind a load balancer, deploy/), in Redis too, so a redelivery that reaches another process
is also recognised. Redis keeps an id for a day: Telegram keeps an undelivered update for
24 hours at most. If Redis cannot be reached, the update is handled (a reply that might come
twice beats one that never comes) and a warning is logged.
"""
import logging
from collections import OrderedDict
from typing import Optional

import redis.asyncio as redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KEY_PREFIX = "inclubot:telegram-update"
REMEMBERED_S = 24 * 3600
REDIS_TIMEOUT_S = 2.0  # an unreachable Redis must not hold up the webhook's answer


class RecentUpdates:
    """update_ids already accepted, by one bot (`bot_id`: the numeric part of its token)."""

    def __init__(self, bot_id: str = "", redis_url: Optional[str] = None, capacity: int = 100_000):
        self.capacity = capacity
        self._ids: "OrderedDict[int, None]" = OrderedDict()
        self._key_prefix = f"{KEY_PREFIX}:{bot_id}"
        self._redis = None
        if redis_url:
            self._redis = redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S)

    async def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        fresh = await self._first_time_shared(update_id)
        self._ids[update_id] = None
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return fresh

    async def _first_time_shared(self, update_id: int) -> bool:
        if self._redis is None:
            return True
        try:
            return bool(await self._redis.set(f"{self._key_prefix}:{update_id}", 1, nx=True, ex=REMEMBERED_S))
        except (RedisError, OSError) as error:
            logger.warning("Telegram update %d: Redis unreachable (%s), checked in this process only", update_id, type(error).__name__)
            return True

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.close()
