"""Start-up: from `make run` to the first answer on the REST channel, and the Rasa server
alone from process start to /status.

  warm           nothing changed since the last run (database set up, model up to date)
  data changed   the same, in a copy of the project whose domain.yml got a comment line:
                 the training inputs' fingerprint differs, so Rasa is asked to train; its
                 cache holds every component (the training data did not change), so this is
                 the shortest a change can cost. A change of the training data retrains the
                 changed components on top (see the training figure).
  Rasa alone     the Rasa server loading the model, from process start to /status

    .venv/bin/python -m bench.startup [--runs 3]

Loopback only, temporary databases; the real tree's data are never changed.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import requests

from bot import servers

FIRST_ANSWER_TIMEOUT_S = 900  # a retraining may take minutes; a bound all the same
COPIED = ("actions", "bot", "knowledge", "replies", "web", "data", "models", "config.yml", "domain.yml",
          "endpoints.yml", "credentials.yml", "pyproject.toml", "var/api_token")


def first_answer_seconds(root: Path, directory: Path, quiet_log: Path) -> float:
    """Runs `make run` in the project (in a copy: `python -m bot.cli run`, what `make run`
    runs after its setup, which has no virtual environment of its own) until the REST
    channel first answers; the seconds."""
    ports = {name: servers.free_port() for name in ("RASA", "ACTIONS", "WEB")}
    env = {
        **os.environ, "PYTHONPATH": str(root),
        "INCLUBOT_DATABASE_URL": f"sqlite:///{directory}/kb.db",
        "INCLUBOT_TRACKER_STORE_URL": f"sqlite:///{directory}/conversations.db",
        **{f"INCLUBOT_{name}_PORT": str(port) for name, port in ports.items()},
    }
    url = f"http://127.0.0.1:{ports['RASA']}/webhooks/rest/webhook"
    with open(quiet_log, "a") as output:
        started = time.perf_counter()
        command = ["make", "run"] if root == servers.PROJECT_ROOT else [str(servers.BIN / "python"), "-m", "bot.cli", "run"]
        process = subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # Ctrl-C below goes to make and inclubot
        try:
            while time.perf_counter() - started < FIRST_ANSWER_TIMEOUT_S:
                if process.poll() is not None:
                    raise RuntimeError(f"inclubot run exited with {process.returncode} (see {quiet_log})")
                try:
                    reply = requests.post(url, json={"sender": "bench-startup", "message": "I need a doctor",
                                                     "metadata": {"city": "mechelen"}}, timeout=10)
                    # The answer itself (Mechelen's services), not the fault reply of a server still starting.
                    if reply.status_code == 200 and "Mechelen" in " ".join(m.get("text", "") for m in reply.json()):
                        return time.perf_counter() - started
                except requests.RequestException:
                    pass
                time.sleep(0.1)
            raise TimeoutError(f"no answer within {FIRST_ANSWER_TIMEOUT_S} s (see {quiet_log})")
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def copy_of_project(target: Path) -> Path:
    """The project without its virtual environment and its logs; the model with it (Rasa's
    training cache is the machine's, in the user's cache folder)."""
    for name in COPIED:
        source = servers.PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def rasa_cold_start_seconds(directory: Path) -> float:
    server = servers.rasa_server(
        servers.free_port(), "http://127.0.0.1:9/webhook",
        env={"INCLUBOT_DATABASE_URL": f"sqlite:///{directory}/kb.db",
             "INCLUBOT_TRACKER_STORE_URL": f"sqlite:///{directory}/conversations.db"},
        log_path=directory / "rasa-alone.log",
    )
    started = time.perf_counter()
    server.start()
    try:
        server.wait_until_up(timeout=300)
        return time.perf_counter() - started
    finally:
        server.stop()


def summary(values: List[float]) -> str:
    return f"median {statistics.median(values):.1f} s (min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: Dict[str, List[float]] = {"warm": [], "data changed": [], "Rasa alone": []}
    with tempfile.TemporaryDirectory(prefix="inclubot-bench-startup-") as temporary:
        work = Path(temporary)
        log = work / "run-output.log"
        # A first run sets up the database and makes sure the model is up to date: not counted.
        first_answer_seconds(servers.PROJECT_ROOT, work, log)
        for _ in range(args.runs):
            results["warm"].append(first_answer_seconds(servers.PROJECT_ROOT, work, log))
        for run in range(args.runs):
            tree = copy_of_project(work / f"tree-{run}")
            warm_database = work / f"db-{run}"
            shutil.copytree(work, warm_database, ignore=shutil.ignore_patterns("tree-*", "db-*"))
            with open(tree / "domain.yml", "a", encoding="utf-8") as domain:
                domain.write(f"\n# changed for the start-up benchmark {run}\n")
            results["data changed"].append(first_answer_seconds(tree, warm_database, log))
        for _ in range(args.runs):
            results["Rasa alone"].append(rasa_cold_start_seconds(work))
    print("start-up, from the command to the first REST answer (127.0.0.1, 2-core machine):")
    print(f"  make run, nothing changed               {summary(results['warm'])}")
    print(f"  inclubot run, training inputs changed   {summary(results['data changed'])}")
    print(f"  Rasa server alone, to /status           {summary(results['Rasa alone'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
