"""REST-channel latency and throughput of IncluBot vs a bare `rasa init` assistant, same run.

    .venv/bin/python -m bench.rest_latency        (also part of `make bench`)

For each assistant: start-up time (process start to /status answering), then 1, 10 and 50
concurrent users, each running short conversations of 8 messages under fresh sender ids,
and the Rasa server's resident memory after the load. Loopback only; bounded in count.
"""
import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, List, Sequence

import aiohttp

from bot import servers
from knowledge.db import session_scope
from knowledge.migrate import upgrade
from knowledge.transfer import load_demo

BARE_DIR = servers.PROJECT_ROOT / "var" / "bench" / "rasa-init"
LEVELS = ((1, 10), (10, 4), (50, 2))  # (concurrent users, conversations per user)

INCLUBOT_SCRIPT = (
    "hello", "I need a doctor", "Mechelen", "where can I learn Dutch?",
    "I am looking for a job", "thank you", "I need a lawyer for my asylum case", "bye",
)
BARE_SCRIPT = ("hello", "I am sad", "yes", "great", "are you a bot?", "hi", "very good", "bye")


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def conversation(session, url: str, script: Sequence[str], latencies: List[float], errors: List[str]):
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    for message in script:
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": message}) as response:
                body = await response.json()
                if response.status != 200 or not body:
                    errors.append(f"{response.status}: {str(body)[:80]}")
        except Exception as error:  # counted, not fatal: the figures say how many
            errors.append(type(error).__name__)
        latencies.append(time.perf_counter() - started)


async def load(base_url: str, script: Sequence[str], users: int, conversations: int) -> Dict[str, float]:
    url = f"{base_url}/webhooks/rest/webhook"
    latencies: List[float] = []
    errors: List[str] = []
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def user():
            for _ in range(conversations):
                await conversation(session, url, script, latencies, errors)

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(users)))
        elapsed = time.perf_counter() - started
    return {
        "users": users, "messages": len(latencies), "errors": len(errors),
        "p50_ms": 1000 * percentile(latencies, 0.50), "p95_ms": 1000 * percentile(latencies, 0.95),
        "p99_ms": 1000 * percentile(latencies, 0.99), "msg_per_s": len(latencies) / elapsed,
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(name: str, rasa: servers.Server, script: Sequence[str], extra: Sequence[servers.Server] = ()) -> Dict:
    for server in extra:
        server.start().wait_until_up()
    started = time.perf_counter()
    rasa.start()
    try:
        rasa.wait_until_up(timeout=600)
        startup = time.perf_counter() - started
        base_url = rasa.health_url.rsplit("/status", 1)[0]
        asyncio.run(load(base_url, script, 1, 1))  # warm-up, not counted
        levels = [asyncio.run(load(base_url, script, users, n)) for users, n in LEVELS]
        memory = rss_mb(rasa.process.pid)
    finally:
        rasa.stop()
        for server in extra:
            server.stop()
    return {"name": name, "startup_s": startup, "rss_mb": memory, "levels": levels}


def bare_rasa_init_model() -> Path:
    """A `rasa init` assistant (its default pipeline and policies), trained once and kept."""
    models = BARE_DIR / "models"
    if not any(models.glob("*.tar.gz")):
        shutil.rmtree(BARE_DIR, ignore_errors=True)
        BARE_DIR.mkdir(parents=True)
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
        print("training the bare `rasa init` assistant once (a few minutes) ...", flush=True)
        subprocess.run([str(servers.BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(BARE_DIR)],
                       check=True, env=env, cwd=BARE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return models


@contextmanager
def demo_database():
    """A throw-away SQLite database URL holding the demo knowledge base."""
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/bench.db"
        upgrade(database_url)
        with session_scope(database_url) as session:
            load_demo(session)
        yield database_url


def inclubot_servers(database_url: str):
    actions_port, rasa_port = servers.free_port(), servers.free_port()
    env = {"INCLUBOT_DATABASE_URL": database_url}
    actions = servers.action_server(actions_port, env=env)
    rasa = servers.rasa_server(rasa_port, f"http://127.0.0.1:{actions_port}/webhook", env=env)
    return rasa, actions


def bare_server(model_dir: Path) -> servers.Server:
    port = servers.free_port()
    return servers.Server(
        name="bare rasa init",
        command=[str(servers.BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port),
                 "--model", str(model_dir)],
        health_url=f"http://127.0.0.1:{port}/status",
        cwd=BARE_DIR,  # its own endpoints and credentials, not IncluBot's
        log_path=BARE_DIR / "server.log",
    )


def report(results: List[Dict]) -> None:
    print(f"\n$ {' '.join([Path(sys.executable).name, '-m', 'bench.rest_latency'])}")
    print("REST webhook, short conversations of 8 messages, fresh sender per conversation, loopback")
    header = f"{'assistant':<16}{'users':>6}{'msgs':>6}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'msg/s':>8}"
    print(header)
    for result in results:
        for level in result["levels"]:
            print(f"{result['name']:<16}{level['users']:>6}{level['messages']:>6}{level['errors']:>5}"
                  f"{level['p50_ms']:>9.1f}{level['p95_ms']:>9.1f}{level['p99_ms']:>9.1f}{level['msg_per_s']:>8.1f}")
    for result in results:
        print(f"{result['name']:<16} start-up {result['startup_s']:.1f} s, Rasa server resident memory {result['rss_mb']:.0f} MB")
    if len(results) > 1:
        ours, bare = results[0], results[-1]
        ratio = ours["levels"][1]["msg_per_s"] / bare["levels"][1]["msg_per_s"]
        print(f"throughput at 10 users, IncluBot / bare rasa init: {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--without-baseline", action="store_true",
                        help="IncluBot alone (the bare assistant's first training takes minutes)")
    args = parser.parse_args()
    subprocess.run([str(servers.BIN / "inclubot"), "train"], check=True, cwd=servers.PROJECT_ROOT)
    with demo_database() as database_url:
        rasa, actions = inclubot_servers(database_url)
        ours = measure("IncluBot", rasa, INCLUBOT_SCRIPT, extra=[actions])
    if args.without_baseline:
        report([ours])
        return
    bare = measure("bare rasa init", bare_server(bare_rasa_init_model()), BARE_SCRIPT)
    report([ours, bare])


if __name__ == "__main__":
    main()
