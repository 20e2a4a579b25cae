"""Two Rasa servers and two action servers on one PostgreSQL (conversations and knowledge
base) and one Redis (lock store), on loopback: the messages of a conversation may go to
either process, and when one process is killed the other serves every conversation with
its history."""
import asyncio
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text as sql

from bench.cluster import create_database, drop_database, start_cluster
from bench.load_test import run_load
from bot import servers
from conftest import postgres_server, redis_server
from replies.texts import text


@pytest.fixture(scope="module")
def cluster(trained_model, tmp_path_factory):
    server = postgres_server()
    database = create_database(server, prefix="inclubot_test_cluster")
    running = start_cluster(2, database, redis_server(), tmp_path_factory.mktemp("cluster-logs"), model=trained_model)
    running.database = database
    try:
        yield running
    finally:
        running.stop()
        drop_database(server, database)


def say(url: str, sender: str, message: str, **metadata) -> str:
    response = requests.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message, "metadata": metadata}, timeout=90,
    )
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text") or "" for m in response.json())


def test_a_conversation_alternating_between_the_processes_keeps_its_history(cluster):
    first, second = cluster.rasa_urls
    sender = "alternating-fr"
    assert text("ask_city", "fr") in say(first, sender, "je cherche un médecin")
    # The other process knows what was asked, and in which language.
    reply = say(second, sender, "Schaerbeek")
    assert text("services_intro", "fr", category=text("category_health", "fr"), city="Schaerbeek") in reply
    # And the first one knows the city the second one was told.
    reply = say(first, sender, "je cherche du travail")
    assert text("category_employment", "fr") in reply and "Schaerbeek" in reply

    tracker = requests.get(f"{second}/conversations/rest:{sender}/tracker", params={"token": cluster.api_token}, timeout=30).json()
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == [
        "je cherche un médecin", "Schaerbeek", "je cherche du travail",
    ]
    engine = create_engine(cluster.database, future=True)
    with engine.connect() as connection:
        stored = connection.execute(sql("SELECT count(*) FROM events WHERE type_name = 'user'")).scalar_one()
    engine.dispose()
    assert stored >= 3  # in PostgreSQL, not in a process's memory


def test_two_messages_of_one_conversation_at_once_are_handled_one_after_the_other(cluster):
    """The Redis lock: two processes never work on the same conversation at the same time."""
    first, second = cluster.rasa_urls
    sender = "simultaneous"
    assert say(first, sender, "hello", city="mechelen")
    replies = {}
    start = threading.Barrier(2)

    def send(url, message):
        start.wait()
        replies[message] = say(url, sender, message)

    threads = [threading.Thread(target=send, args=a) for a in ((first, "I need a doctor"), (second, "I am looking for a job"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert text("category_health", "en") in replies["I need a doctor"]
    assert text("category_employment", "en") in replies["I am looking for a job"]

    events = requests.get(f"{first}/conversations/rest:{sender}/tracker", params={"token": cluster.api_token}, timeout=30).json()["events"]
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    assert len(users) == 3  # none lost, none stored twice
    # Each message's answer comes before the next message: no interleaving.
    for this, following in zip(users, users[1:] + [len(events)]):
        turn = events[this:following]
        assert turn[-1]["event"] == "action" and turn[-1]["name"] == "action_listen"
        assert any(e["event"] == "bot" for e in turn)


def test_the_http_api_requires_the_token_and_the_channels_do_not(cluster):
    url = cluster.rasa_urls[0]
    for token in (None, "wrong", ""):
        params = {"token": token} if token is not None else {}
        if token is not None:  # a local client's /model/parse needs none (tests/test_security.py)
            assert requests.post(f"{url}/model/parse", params=params, json={"text": "hello"}, timeout=30).status_code == 401
        assert requests.get(f"{url}/conversations/rest:alternating-fr/tracker", params=params, timeout=30).status_code == 401
    parsed = requests.post(f"{url}/model/parse", params={"token": cluster.api_token}, json={"text": "I need a doctor"}, timeout=30)
    assert parsed.status_code == 200 and parsed.json()["intent"]["name"] == "health"
    assert say(url, "no-token-needed", "I need a doctor", city="mechelen")  # users never need one


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "::1", "10.0.0.5"])
def test_the_token_is_never_on_the_rasa_command_line(host):
    """Issue 14.4: on loopback too (any local process could use the API), and never in argv
    (`ps` shows it to every local user): Rasa reads it inside its process."""
    server = servers.rasa_server(servers.free_port(), "http://127.0.0.1:1/webhook", host=host, env={"INCLUBOT_API_TOKEN": "t" * 40})
    assert "--auth-token" not in server.command and "t" * 40 not in " ".join(server.command)
    assert server.command[1:3] == ["-m", "bot.rasa_command"]


def test_a_killed_process_loses_no_conversation(cluster):
    """SIGKILL one Rasa process halfway through a load; the other serves every conversation,
    with its history (each reply is checked: the city given earlier, to either process)."""
    result = asyncio.run(run_load(
        "2 Rasa processes, 1 killed halfway", cluster.rasa_urls, conversations=6, messages=6,
        max_seconds=240, kill_halfway=lambda: cluster.kill_rasa(1),
    ))
    assert cluster.rasa[1].process.poll() is not None  # it was killed
    assert result.sent == 36
    assert (result.errors, result.lost, result.out_of_order, result.wrong) == (0, 0, 0, 0), result.problems
    # A conversation whose lock the killed process held gets the fault reply (never silence)
    # until that lock lapses, once or twice: never more than that for every conversation.
    assert result.fault_replies <= 2 * 6, result.fault_replies
    assert result.resent >= 1  # messages did go to the killed process and were answered by the other


def redis_lock_store(**settings):
    from rasa.utils.endpoints import EndpointConfig

    from bot.endpoints import redis_lock_store as settings_from_url
    from bot.lock_store import RedisTicketLockStore

    config = {**settings_from_url(redis_server()), "key_prefix": f"test{uuid.uuid4().hex[:8]}", **settings}
    return RedisTicketLockStore(EndpointConfig.from_dict(config))


def test_a_lock_held_by_a_killed_process_is_taken_over_after_its_lifetime():
    store = redis_lock_store()
    store.issue_ticket("orphaned", 2)  # taken by a process that then died: never released

    async def next_message():
        started = time.monotonic()
        async with store.lock("orphaned", lock_lifetime=2, wait_time_in_seconds=0.2):
            return time.monotonic() - started

    waited = asyncio.run(asyncio.wait_for(next_message(), timeout=20))
    assert 1.5 < waited < 5  # waited for the dead ticket's lifetime, then went on
    assert store.get_lock("orphaned") is None  # released: the conversation is free again


def test_two_processes_never_hold_one_conversation_at_once():
    """Two lock stores (two processes) taking tickets for one conversation at the same moment."""
    stores = [redis_lock_store(), None]
    stores[1] = redis_lock_store(key_prefix=stores[0].key_prefix.split(":")[0])
    holders, overlaps, handled = [], [], []

    async def handle(store, number):
        async with store.lock("busy", lock_lifetime=30, wait_time_in_seconds=0.01):
            holders.append(number)
            if len(holders) > 1:
                overlaps.append(list(holders))
            await asyncio.sleep(0.01)
            holders.remove(number)
            handled.append(number)

    def process(store, numbers):
        async def run():
            await asyncio.gather(*(handle(store, n) for n in numbers))
        asyncio.run(run())

    # Each "process" in its own thread and event loop, as two Rasa servers would be.
    threads = [threading.Thread(target=process, args=(stores[i], range(i * 15, i * 15 + 15))) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(handled) == list(range(30)) and overlaps == []
