"""One handoff round trip, over Telegram and the widget: how long until staff see a person's
question, and until a staff reply is in the person's chat.

    .venv/bin/python -m bench.handoff_round_trip [--samples 8]

Question -> ticket visible: from the person's "Send" (the last step after /human, consent and
the question) until the ticket is in the staff's list (knowledge.tickets.visible_tickets, what
the inbox and `inclubot handoff list` read); the whole flow from "talk to a person" is given
beside it (on Telegram it includes the 0.3 s this script waits after each of the first three
turns to be sure the bot has finished: about 0.9 s of it). Reply -> delivered: from the moment the reply is stored and the running assistant
asked to deliver it (bot/handoff_request.py, as the admin and the CLI do) until the Bot API
stand-in (tests/fake_telegram_api.py) has the sendMessage, or the widget's socket.io client
has the bot_uttered message. Loopback, SQLite with the demo knowledge base, one person at a
time; bounded in count. The CLI adds its own start-up (about 2 s of Python imports) on top.
"""
import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Sequence

import socketio

from bot import cli, servers
from knowledge import tickets
from knowledge.db import session_scope
from knowledge.migrate import upgrade
from knowledge.transfer import load_demo
from replies.texts import text

sys.path.insert(0, str(servers.PROJECT_ROOT / "tests"))
from fake_telegram_api import FakeTelegramApi  # noqa: E402

TOKEN = "123456:BENCH-token"
SECRET = "bench-secret"
QUESTION = "My landlord wants me out by Friday, is that legal?"


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def line(name: str, values: List[float]) -> str:
    return (f"  {name:<34} p50 {1000 * percentile(values, 0.5):7.1f} ms   p95 {1000 * percentile(values, 0.95):7.1f} ms"
            f"   (mean {1000 * statistics.mean(values):.1f} ms, n={len(values)})")


def visible(database: str, conversation_id: str):
    with session_scope(database) as session:
        ticket = tickets.current(session, conversation_id)
        if ticket is None or ticket.status == tickets.DRAFT:
            return None
        return ticket.id if ticket.id in [t.id for t in tickets.visible_tickets(session, [ticket.city_id], tickets.OPEN)] else None


def store_reply(database: str, ticket_id: int, reply: str) -> None:
    with session_scope(database) as session:
        tickets.reply(session, tickets.for_staff(session, ticket_id), "bench", reply)


def wait_until(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.005)
    raise TimeoutError("timed out")


class TelegramPerson:
    def __init__(self, api: FakeTelegramApi, chat_id: int):
        self.api, self.chat_id = api, chat_id

    def turn(self, update) -> None:
        before = len(self.api.messages(self.chat_id))
        self.api.deliver(update).raise_for_status()
        self.api.wait_for_messages(self.chat_id, before + 1)
        self.api.wait_quiet(self.chat_id, quiet=0.3)

    def send(self, message: str) -> None:
        self.turn(self.api.text_update(self.chat_id, message))

    def press(self, title: str) -> None:
        self.turn(self.api.button_update(self.chat_id, title))


def telegram_round(api: FakeTelegramApi, database: str, chat_id: int):
    from bot.handoff_request import request_delivery

    person = TelegramPerson(api, chat_id)
    person.send("/start mechelen")
    flow_started = time.monotonic()
    person.send("/human")
    person.press(text("button_handoff_consent", "en"))
    person.send(QUESTION)
    update = api.button_update(chat_id, text("button_handoff_send", "en"))
    sent = time.monotonic()
    api.deliver(update).raise_for_status()
    ticket_id = wait_until(lambda: visible(database, f"tg:{chat_id}"))
    seen = time.monotonic()
    api.wait_quiet(chat_id, quiet=0.3)
    reply = f"Staff answer {ticket_id}"
    started = time.monotonic()
    store_reply(database, ticket_id, reply)
    request_delivery(ticket_id)
    wait_until(lambda: any(reply in m["text"] for m in api.messages(chat_id)))
    return seen - sent, seen - flow_started, time.monotonic() - started


async def widget_round(rasa_url: str, database: str):
    from bot.handoff_request import request_delivery

    client = socketio.AsyncClient()
    said, confirmed = [], asyncio.Queue()
    client.on("bot_uttered", lambda message: said.append(message))
    client.on("session_confirm", lambda session_id: confirmed.put_nowait(session_id))
    await client.connect(rasa_url, transports=["polling"])  # this aiohttp has no websocket client timeout
    try:
        await client.emit("session_request", {"session_id": None})
        session_id = await asyncio.wait_for(confirmed.get(), 10)

        async def say(message: str):
            await client.call("user_uttered", {"message": message, "session_id": session_id,
                                               "metadata": {"city": "mechelen", "language": "en"}}, timeout=60)

        flow_started = time.monotonic()
        for message in ("/ask_human", '/affirm{"handoff": "consent"}', QUESTION):
            await say(message)
        sent = time.monotonic()
        await say('/affirm{"handoff": "send"}')
        ticket_id = await asyncio.to_thread(wait_until, lambda: visible(database, f"web:{session_id}"))
        seen = time.monotonic()
        reply = f"Staff answer {ticket_id}"
        started = time.monotonic()
        await asyncio.to_thread(store_reply, database, ticket_id, reply)
        await asyncio.to_thread(request_delivery, ticket_id)
        while not any(reply in (m.get("text") or "") for m in said):
            await asyncio.sleep(0.005)
        return seen - sent, seen - flow_started, time.monotonic() - started
    finally:
        await client.disconnect()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=8, help="round trips per channel (default 8)")
    args = parser.parse_args(argv)
    if cli.train():
        return 1
    work = Path(tempfile.mkdtemp(prefix="inclubot-bench-handoff-"))
    database = f"sqlite:///{work / 'kb.db'}"
    upgrade(database)
    with session_scope(database) as session:
        load_demo(session)
    api = FakeTelegramApi(token=TOKEN).start()
    actions_port, rasa_port = servers.free_port(), servers.free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    env = {"INCLUBOT_DATABASE_URL": database, "INCLUBOT_TRACKER_STORE_URL": f"sqlite:///{work / 'tracker.db'}"}
    actions = servers.action_server(actions_port, env=env, log_path=work / "actions.log")
    rasa = servers.rasa_server(
        rasa_port, f"http://127.0.0.1:{actions_port}/webhook", log_path=work / "rasa.log",
        env={**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url,
             "TELEGRAM_WEBHOOK_URL": f"{rasa_url}/webhooks/telegram/webhook", "TELEGRAM_SECRET_TOKEN": SECRET},
    )
    os.environ["INCLUBOT_RASA_URL"] = rasa_url  # where request_delivery finds this Rasa server
    results = {"telegram": [], "widget": []}
    try:
        for server in (actions, rasa):
            server.start().wait_until_up()
        api.wait_for(lambda: api.webhook.get("url"), timeout=60, what="the webhook to be registered")
        for index in range(args.samples):
            results["telegram"].append(telegram_round(api, database, 700_000_000 + index))
            results["widget"].append(asyncio.run(widget_round(rasa_url, database)))
    finally:
        rasa.stop()
        actions.stop()
        api.stop()
    print(f"Handoff round trip ({args.samples} per channel, one Rasa server, SQLite):")
    for channel, rounds in results.items():
        print(f" {channel}:")
        print(line("question sent -> ticket visible", [r[0] for r in rounds]))
        print(line("whole flow (4 messages) -> visible", [r[1] for r in rounds]))
        print(line("staff reply -> in the person's chat", [r[2] for r in rounds]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
