"""A Telegram update is handled once even when Telegram redelivers it to another Rasa process:
the update ids are shared through Redis (the machine's, as in production)."""
import asyncio
import logging
import uuid

from bot import servers
from bot.channels.telegram_redelivery import RecentUpdates
from conftest import redis_server


async def first_times(processes, update_ids):
    try:
        return [await process.first_time(update_id) for process, update_id in zip(processes, update_ids)]
    finally:
        for process in processes:
            await process.close()


def test_an_update_redelivered_to_another_process_is_handled_once():
    bot, redis_url = f"test-{uuid.uuid4().hex[:8]}", redis_server()
    one, two = RecentUpdates(bot, redis_url), RecentUpdates(bot, redis_url)  # two Rasa processes
    answers = asyncio.run(first_times([one, two, two, one, one], [7, 7, 8, 8, 9]))
    assert answers == [True, False, True, False, True]


def test_another_bot_with_the_same_update_id_is_not_confused():
    redis_url = redis_server()
    one, other = RecentUpdates(f"test-{uuid.uuid4().hex[:8]}", redis_url), RecentUpdates(f"test-{uuid.uuid4().hex[:8]}", redis_url)
    assert asyncio.run(first_times([one, other], [5, 5])) == [True, True]


def test_with_redis_unreachable_updates_are_still_answered_once_per_process(caplog):
    unreachable = f"redis://127.0.0.1:{servers.free_port()}/0"
    process = RecentUpdates("test-down", unreachable)
    with caplog.at_level(logging.WARNING, logger="bot.channels.telegram_redelivery"):
        answers = asyncio.run(first_times([process, process], [3, 3]))
    assert answers == [True, False]  # answered (no silent failure), and a redelivery still ignored
    assert "Redis unreachable" in caplog.text
