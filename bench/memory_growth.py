"""The Rasa server's resident memory as conversations accumulate: after start-up, then after
every batch, up to 1,000 conversations of 8 messages by 10 concurrent users.

    .venv/bin/python -m bench.memory_growth [--conversations 1000]   (also part of `make bench`)

Each conversation has a fresh sender id, as strangers on a city's website do; what the
server keeps per conversation (trackers, locks, caches) shows as growth between the rows.
"""
import argparse
import asyncio
import sys
from pathlib import Path

from bench.rest_latency import INCLUBOT_SCRIPT, demo_database, inclubot_servers, load, rss_mb

USERS = 10
BUDGET_MB = 700  # issue 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=1000)
    args = parser.parse_args()
    if not 10 <= args.conversations <= 5000:
        parser.error("bounded on purpose: 10-5000 conversations")
    checkpoints = sorted({c for c in (100, 250, 500, args.conversations) if c <= args.conversations})
    print(f"\n$ {Path(sys.executable).name} -m bench.memory_growth --conversations {args.conversations}")
    print(f"Rasa server resident memory, {USERS} concurrent users, conversations of {len(INCLUBOT_SCRIPT)} messages")
    with demo_database() as database_url:
        rasa, actions = inclubot_servers(database_url)
        actions.start().wait_until_up()
        rasa.start()
        try:
            rasa.wait_until_up(timeout=600)
            base_url = rasa.health_url.rsplit("/status", 1)[0]
            print(f"{'conversations':>14}{'batch msgs':>11}{'errors':>8}{'RSS MB':>9}{'p95 ms':>9}")
            print(f"{0:>14}{0:>11}{0:>8}{rss_mb(rasa.process.pid):>9.0f}{'':>9}")
            done = 0
            for checkpoint in checkpoints:
                per_user = max(1, (checkpoint - done) // USERS)
                figures = asyncio.run(load(base_url, INCLUBOT_SCRIPT, USERS, per_user))
                done += per_user * USERS
                memory = rss_mb(rasa.process.pid)
                print(f"{done:>14}{figures['messages']:>11}{figures['errors']:>8}{memory:>9.0f}{figures['p95_ms']:>9.1f}", flush=True)
            verdict = "within" if memory <= BUDGET_MB else "over"
            print(f"after {done} conversations: {memory:.0f} MB, {verdict} the {BUDGET_MB} MB budget")
        finally:
            rasa.stop()
            actions.stop()


if __name__ == "__main__":
    main()
