"""Load test of the multi-process setup: N concurrent conversations × M messages against one,
then two Rasa processes (PostgreSQL tracker store and knowledge base, Redis lock store), and
two with one of them killed (SIGKILL) halfway through.

    .venv/bin/python -m bench.load_test [--conversations 20] [--messages 8] [--max-seconds 240]

Loopback only, bounded in count and in time. Each conversation sends its messages one after
the other, alternating between the Rasa processes (a load balancer without stickiness); a
process that refuses connections is taken out, as a health check would, and the message
is sent to the other. Every reply is checked against what that message must get (the
city asked, then services of the asked category in that city...), so a reply that is lost,
meant for another message of the conversation (out of order) or wrong is counted.

Prints, per run: messages/s, p50/p95/p99 latency, errors, lost, out-of-order and wrong
replies, and how many messages were re-sent to the other process.
"""
import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import aiohttp

from bench.cluster import Backends, create_database, drop_database, start_cluster
from knowledge.taxonomy import load_taxonomy
from replies.texts import text

# (message, what the reply must contain); {city} is the conversation's city.
OPENING = [("I need a doctor", "ask_city"), ("{city}", "health")]
FOLLOW_UPS = [
    ("I am looking for a job", "employment"), ("thank you", "thank"),
    ("I need a lawyer", "legal_aid"), ("I need a doctor", "health"),
]
REQUEST_TIMEOUT_S = 90  # a retried message may wait for a killed process's lock to expire


def script(city_id: str, messages: int) -> List[Tuple[str, str]]:
    """A conversation of `messages` messages (at least 2) for one city."""
    steps = OPENING + [FOLLOW_UPS[i % len(FOLLOW_UPS)] for i in range(max(0, messages - len(OPENING)))]
    city = load_taxonomy().cities[city_id].name
    return [(message.format(city=city), expectation) for message, expectation in steps[:max(2, messages)]]


def expected_texts(expectation: str, city_id: str) -> List[str]:
    """Texts that all appear in a correct reply."""
    if expectation in ("ask_city", "thank"):
        return [text(expectation, "en")]
    return [text(f"category_{expectation}", "en"), load_taxonomy().cities[city_id].name]


def matches(reply: str, expectation: str, city_id: str) -> bool:
    return all(part in reply for part in expected_texts(expectation, city_id))


@dataclass
class LoadResult:
    label: str
    sent: int = 0
    latencies: List[float] = field(default_factory=list)
    errors: int = 0
    lost: int = 0
    out_of_order: int = 0
    wrong: int = 0
    # The fault reply: the person was answered, within the turn's deadline, while their
    # conversation's lock was still held by a killed process (at most its ticket lifetime).
    fault_replies: int = 0
    resent: int = 0
    elapsed: float = 0.0
    problems: List[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return self.errors + self.lost + self.out_of_order + self.wrong

    def percentile_ms(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]

    def line(self) -> str:
        rate = self.sent / self.elapsed if self.elapsed else 0.0
        return (
            f"{self.label:<34} {self.sent:>5} msgs {rate:>7.1f} msg/s  "
            f"p50 {self.percentile_ms(0.5):>6.0f} ms  p95 {self.percentile_ms(0.95):>6.0f} ms  "
            f"p99 {self.percentile_ms(0.99):>6.0f} ms  errors {self.errors}  lost {self.lost}  "
            f"out-of-order {self.out_of_order}  wrong {self.wrong}  fault replies {self.fault_replies}  re-sent {self.resent}"
        )


async def _send(session, backends: Backends, turn: int, sender: str, message: str, result: LoadResult):
    """The bot's texts for one message; re-sent once to another process if the first refuses."""
    for attempt in range(2):
        url = backends.pick(turn + attempt)
        try:
            async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}) as response:
                if response.status != 200:
                    result.errors += 1
                    result.problems.append(f"HTTP {response.status} from {url}")
                    return None
                return "\n".join(m.get("text") or "" for m in await response.json())
        except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            backends.mark_down(url)
            result.resent += 1
        except asyncio.TimeoutError:
            result.errors += 1
            result.problems.append(f"timeout from {url}")
            return None
        except aiohttp.ClientError as error:
            result.errors += 1
            result.problems.append(f"{type(error).__name__} from {url}")
            return None
    result.errors += 1
    result.problems.append("no Rasa process accepted the message")
    return None


async def _conversation(session, backends, index: int, messages: int, result: LoadResult,
                        deadline: float, progress: Callable[[], None]) -> None:
    cities = sorted(load_taxonomy().cities)
    city = cities[index % len(cities)]
    steps = script(city, messages)
    sender = f"load-{uuid.uuid4().hex[:12]}"
    for turn, (message, expectation) in enumerate(steps):
        if time.monotonic() > deadline:
            result.problems.append("time limit reached: messages left unsent")
            return
        started = time.perf_counter()
        reply = await _send(session, backends, index + turn, sender, message, result)
        result.latencies.append(time.perf_counter() - started)
        result.sent += 1
        progress()
        if reply is None:
            continue
        if not reply.strip():
            result.lost += 1
        elif reply.startswith(text("temporarily_unavailable", "en")):
            result.fault_replies += 1
        elif not matches(reply, expectation, city):
            others = [e for i, (_, e) in enumerate(steps) if i != turn and e != expectation]
            if any(matches(reply, other, city) for other in others):
                result.out_of_order += 1
            else:
                result.wrong += 1
            result.problems.append(f"{sender} message {turn + 1} ({message!r}): {reply[:120]!r}")


async def run_load(
    label: str, urls: Sequence[str], conversations: int, messages: int, max_seconds: float,
    kill_halfway: Optional[Callable[[], None]] = None,
) -> LoadResult:
    """`conversations` concurrent conversations of `messages` messages each over `urls`."""
    result = LoadResult(label)
    backends = Backends(list(urls))
    total = conversations * max(2, messages)
    killed = False

    def progress() -> None:
        nonlocal killed
        if kill_halfway is not None and not killed and result.sent >= total // 2:
            killed = True
            kill_halfway()

    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=conversations + 4)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        deadline = time.monotonic() + max_seconds
        await asyncio.gather(*(
            _conversation(session, backends, i, messages, result, deadline, progress) for i in range(conversations)
        ))
        result.elapsed = time.perf_counter() - started
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20, help="concurrent conversations (max 200)")
    parser.add_argument("--messages", type=int, default=8, help="messages per conversation (2 to 50)")
    parser.add_argument("--max-seconds", type=float, default=240, help="time limit of each run")
    parser.add_argument("--postgres-url", default=os.environ.get("INCLUBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
                        help="a PostgreSQL server on this machine (a fresh database is made on it)")
    parser.add_argument("--redis-url", default=os.environ.get("INCLUBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args(argv)
    if not (1 <= args.conversations <= 200 and 2 <= args.messages <= 50 and 0 < args.max_seconds <= 900):
        parser.error("bounded on purpose: 1-200 conversations, 2-50 messages, at most 900 s per run")
    for url in (args.postgres_url, args.redis_url):
        if "127.0.0.1" not in url and "localhost" not in url:
            parser.error(f"loopback only: {url}")

    database = create_database(args.postgres_url, prefix="inclubot_load")
    log_dir = Path(tempfile.mkdtemp(prefix="inclubot-load-"))
    print(f"starting 2 Rasa servers and 2 action servers (PostgreSQL, Redis lock store); logs in {log_dir}", flush=True)
    cluster = start_cluster(2, database, args.redis_url, log_dir)
    results = []
    try:
        shape = (args.conversations, args.messages, args.max_seconds)
        results.append(asyncio.run(run_load("1 Rasa process", cluster.rasa_urls[:1], *shape)))
        results.append(asyncio.run(run_load("2 Rasa processes", cluster.rasa_urls, *shape)))
        results.append(asyncio.run(run_load(
            "2 Rasa processes, 1 killed halfway", cluster.rasa_urls, *shape, kill_halfway=lambda: cluster.kill_rasa(1),
        )))
    finally:
        cluster.stop()
        drop_database(args.postgres_url, database)
    print(f"\n{args.conversations} concurrent conversations x {args.messages} messages, loopback, "
          f"{os.cpu_count()} CPU cores (load generator on the same machine)")
    for result in results:
        print(result.line())
        for problem in result.problems[:5]:
            print(f"    {problem}")
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
