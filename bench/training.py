"""Training time: `inclubot train` in a copy of the project that has no model, from the
command to the model written.

  full           Rasa's training cache empty: every component is trained (the sentences'
                 embeddings come from the user's cache, as after any first training on the
                 machine; embedding them all again takes a further 10-15 minutes on 2 cores)
  second clone   the machine's training cache, as a new clone finds it once the project was
                 trained on the machine: only what differs is trained (here nothing)

    .venv/bin/python -m bench.training [--runs 1]

The project itself is trained first (not counted), so that the machine's cache holds its model.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.startup import copy_of_project, summary
from bot import servers, settings


def training_seconds(tree: Path, training_cache: Path) -> float:
    shutil.rmtree(tree / "models", ignore_errors=True)
    started = time.perf_counter()
    result = subprocess.run(
        [str(servers.BIN / "python"), "-m", "bot.cli", "train"], cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree), "RASA_CACHE_DIRECTORY": str(training_cache)},
        capture_output=True, text=True, timeout=3600,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0 or not list((tree / "models").glob("*.tar.gz")):
        raise SystemExit(f"training failed in {tree}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    subprocess.run([str(servers.BIN / "inclubot"), "train"], check=True, cwd=servers.PROJECT_ROOT,
                   stdout=subprocess.DEVNULL)
    full, second_clone = [], []
    with tempfile.TemporaryDirectory(prefix="inclubot-bench-training-") as temporary:
        work = Path(temporary)
        tree = copy_of_project(work / "tree")
        for run in range(args.runs):
            full.append(training_seconds(tree, work / f"empty-cache-{run}"))
            # a copy of the machine's cache, which the run leaves as it found it
            machine_cache = shutil.copytree(settings.training_cache_dir(), work / f"machine-cache-{run}")
            second_clone.append(training_seconds(tree, machine_cache))
    print("training, from `inclubot train` to the model (2-core machine):")
    print(f"  full, Rasa's training cache empty       {summary(full)}")
    print(f"  a second clone, the machine's cache     {summary(second_clone)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
