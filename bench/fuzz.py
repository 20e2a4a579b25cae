"""Fuzzing with thousands of cases: the Hypothesis properties of tests/test_fuzz.py (REST
webhook, /model/parse, socket.io, Telegram webhook, knowledge-base import as YAML, JSON and
CSV, the staff admin's forms and list pages) with a larger count than the test suite runs.

    .venv/bin/python -m bench.fuzz [--examples 2000] [-k rest]
    .venv/bin/python -m bench.fuzz --examples 1500     # 7 properties: over 10,000 cases

Starts its own servers on loopback (as the tests do) and prints, per property, how many
cases passed and how long they took (a property stops at its first failing case, which is
then shown). Bounded: at most 20,000 cases per property.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot import servers


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2000, help="cases per property (max 20000)")
    parser.add_argument("-k", dest="select", default=None, help="only the properties matching (pytest -k)")
    args = parser.parse_args(argv)
    if not 1 <= args.examples <= 20_000:
        parser.error("--examples must be between 1 and 20000")
    command = [str(servers.BIN / "pytest"), "tests/test_fuzz.py", "-q", "-p", "no:cacheprovider",
               *(["-k", args.select] if args.select else [])]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "cases.jsonl"
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=servers.PROJECT_ROOT, capture_output=True, text=True,
            env={**os.environ, "INCLUBOT_FUZZ_EXAMPLES": str(args.examples), "INCLUBOT_FUZZ_REPORT": str(report)},
        )
        elapsed = time.monotonic() - started
        ran = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    print(f"up to {args.examples} cases per property, {elapsed:.0f} s in all (servers' start included)")
    for entry in ran:
        print(f"  {entry['property']:<24} {entry['cases']:>6} cases passed  {entry['seconds']:>7.1f} s")
    outcome = [line for line in result.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    print(f"{sum(entry['cases'] for entry in ran)} cases in all")
    print(outcome[-1] if outcome else "")
    if result.returncode:
        print(result.stdout[-8000:], result.stderr[-2000:], file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
