"""`make bench`: every benchmark of the project, one after the other, each printing its
figures under the command that produced them. Loopback only; every run is bounded.

    .venv/bin/python -m bench.run_all
"""
import subprocess
import sys
import time

BENCHES = (
    ("bench.startup", ["--runs", "3"]),                # issue 16: make run -> first answer, warm and after a change
    ("bench.training", ["--runs", "1"]),               # issue 16: inclubot train, full and in a second clone
    ("bench.rest_latency", []),                       # issue 2: REST latency, throughput, start-up, memory vs rasa init
    ("bench.memory_growth", ["--conversations", "1000"]),  # issue 16: Rasa's resident memory over 1,000 conversations
    ("bench.telegram_overhead", ["--samples", "40"]),  # issue 4: Telegram webhook vs REST, same run
    ("bench.widget_weight", ["--runs", "5"]),          # issue 5: widget bytes and time to interactive
    ("bench.load_test", ["--conversations", "20", "--messages", "8"]),  # issue 7: 1 and 2 Rasa processes, one killed
    ("bench.staff_admin", []),                         # issue 6: import/export of a large spreadsheet, admin pages
    ("bench.handoff_round_trip", ["--samples", "8"]),  # issue 12: question -> ticket visible, staff reply -> delivered
    ("bench.speech_latency", ["--samples", "20"]),     # issue 13: an answer read aloud (POST /api/speech)
)


def main() -> int:
    failed = []
    for module, args in BENCHES:
        command = [sys.executable, "-m", module, *args]
        print(f"\n===== $ {' '.join(['python', '-m', module, *args])}", flush=True)
        started = time.monotonic()
        if subprocess.call(command) != 0:
            failed.append(module)
        print(f"===== {module}: {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
