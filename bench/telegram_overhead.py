"""What the Telegram channel adds to a reply's latency: the same messages through the REST
webhook and through the Telegram webhook, interleaved, in one run against one Rasa server.

    .venv/bin/python -m bench.telegram_overhead [--samples 40]

REST: from the POST until its response (the replies are in it). Telegram: from Telegram's
POST of the update (made here, as the local Bot API stand-in of tests/fake_telegram_api.py
does in the tests) until the stand-in has received the turn's last sendMessage, i.e. through
the webhook, the background handling, Rasa, the actions, and python-telegram-bot's calls.
Loopback, SQLite with the demo knowledge base, one user at a time; bounded in count.
"""
import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import List, Sequence

import requests

from bot import cli, servers
from knowledge.db import session_scope
from knowledge.migrate import upgrade
from knowledge.transfer import load_demo

sys.path.insert(0, str(servers.PROJECT_ROOT / "tests"))
from fake_telegram_api import FakeTelegramApi  # noqa: E402

TOKEN = "123456:BENCH-token"
SECRET = "bench-secret"
MESSAGES = ("hello", "I need a doctor", "where can I learn Dutch?", "I am looking for a job",
            "I need a lawyer for my asylum case", "thank you", "help")


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def rest_turn(base_url: str, sender: str, message: str) -> (float, int):
    started = time.monotonic()
    response = requests.post(f"{base_url}/webhooks/rest/webhook", timeout=60,
                             json={"sender": sender, "message": message, "metadata": {"city": "mechelen"}})
    elapsed = time.monotonic() - started
    response.raise_for_status()
    return elapsed, len(response.json())


def telegram_turn(api: FakeTelegramApi, chat_id: int, message: str, replies: int) -> (float, float):
    """(seconds until the turn's last reply reached the Bot API, seconds until the webhook answered)."""
    before = len(api.calls_of("sendMessage", chat_id))
    update = api.text_update(chat_id, message, language_code=None)
    started = time.monotonic()
    answer = api.deliver(update)
    acknowledged = time.monotonic() - started
    answer.raise_for_status()
    sends = api.wait_for(lambda: len([c for c in api.calls_of("sendMessage", chat_id) if c.ok]) >= before + replies
                         and api.calls_of("sendMessage", chat_id), timeout=60, what="the replies")
    return sends[before + replies - 1].at - started, acknowledged


def line(name: str, values: List[float]) -> str:
    return (f"  {name:<18} p50 {1000 * percentile(values, 0.5):7.1f} ms   p95 {1000 * percentile(values, 0.95):7.1f} ms"
            f"   (mean {1000 * statistics.mean(values):.1f} ms, n={len(values)})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=40, help="messages per channel (default 40)")
    args = parser.parse_args(argv)
    if cli.train():
        return 1
    work = Path(tempfile.mkdtemp(prefix="inclubot-bench-telegram-"))
    database = f"sqlite:///{work / 'kb.db'}"
    upgrade(database)
    with session_scope(database) as session:
        load_demo(session)
    api = FakeTelegramApi(token=TOKEN).start()
    actions_port, rasa_port = servers.free_port(), servers.free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    actions = servers.action_server(actions_port, env={"INCLUBOT_DATABASE_URL": database}, log_path=work / "actions.log")
    rasa = servers.rasa_server(
        rasa_port, f"http://127.0.0.1:{actions_port}/webhook", log_path=work / "rasa.log",
        env={"INCLUBOT_DATABASE_URL": database, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url,
             "TELEGRAM_WEBHOOK_URL": f"{rasa_url}/webhooks/telegram/webhook", "TELEGRAM_SECRET_TOKEN": SECRET},
    )
    try:
        for server in (actions, rasa):
            server.start().wait_until_up()
        api.wait_for(lambda: api.webhook.get("url"), timeout=60, what="the webhook to be registered")
        sender, chat_id = f"bench-{uuid.uuid4().hex[:10]}", int(time.time() * 1000) % 10**9
        rest_turn(rasa_url, sender, "hello")  # warm-up, and both conversations get their city
        telegram_turn(api, chat_id, "/start mechelen", 1)
        rest, telegram, acknowledged = [], [], []
        for index in range(args.samples):
            message = MESSAGES[index % len(MESSAGES)]
            elapsed, replies = rest_turn(rasa_url, sender, message)
            rest.append(elapsed)
            elapsed, ack = telegram_turn(api, chat_id, message, replies)
            telegram.append(elapsed)
            acknowledged.append(ack)
    finally:
        rasa.stop()
        actions.stop()
        api.stop()
    print(f"Telegram channel overhead ({args.samples} messages per channel, interleaved, same Rasa server):")
    print(line("REST webhook", rest))
    print(line("Telegram webhook", telegram) + "   until the last reply reached the Bot API")
    print(line("  webhook answered", acknowledged) + "   Telegram's POST acknowledged")
    print(f"  overhead           p50 {1000 * (percentile(telegram, 0.5) - percentile(rest, 0.5)):+7.1f} ms"
          f"   p95 {1000 * (percentile(telegram, 0.95) - percentile(rest, 0.95)):+7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
