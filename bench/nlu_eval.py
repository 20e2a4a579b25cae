"""Understanding in 12 languages, measured on held-out messages the model never trains on.

    .venv/bin/python -m bench.nlu_eval          (`make eval`)

Per language: intent accuracy and macro-F1 of IncluBot's model and of Rasa's default
`rasa init` pipeline trained on the same data; language identification accuracy of
IncluBot's detector and of plain langdetect (seeded), overall and on 1-3-word messages.
Held-out data: tests/nlu_heldout/<lang>.yml (written separately from data/nlu).
"""
import argparse
import asyncio
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from sklearn.metrics import f1_score

from bot import servers

HELD_OUT_DIR = servers.PROJECT_ROOT / "tests" / "nlu_heldout"
DEFAULT_PIPELINE_CONFIG = servers.PROJECT_ROOT / "bench" / "rasa_init_config.yml"
DEFAULT_PIPELINE_MODELS = servers.PROJECT_ROOT / "var" / "bench" / "rasa-init-nlu"
SHORT_WORDS = 3


def held_out() -> List[Tuple[str, str, str]]:
    """(text, intent, language) for every held-out message."""
    rows = []
    for path in sorted(HELD_OUT_DIR.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            language = block["metadata"]["language"]
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    rows.append((line[2:].strip(), block["intent"], language))
    return rows


def latest_model(directory: Path) -> Path:
    return max(directory.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


def train_default_pipeline() -> Path:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(
        [str(servers.BIN / "rasa"), "train", "nlu", "--config", str(DEFAULT_PIPELINE_CONFIG),
         "--nlu", "data/nlu", "--out", str(DEFAULT_PIPELINE_MODELS), "--quiet"],
        check=True, cwd=servers.PROJECT_ROOT, env=env,
    )
    return latest_model(DEFAULT_PIPELINE_MODELS)


def parse_all(model: Path, texts: List[str]) -> List[Dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run():
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(run())


def plain_langdetect(text: str) -> str:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return detect(text)
    except LangDetectException:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-model", type=Path, help="a trained rasa-init NLU model to reuse (its training takes ~30 min on 2 cores)")
    args = parser.parse_args()
    rows = held_out()
    texts = [r[0] for r in rows]
    subprocess.run([str(servers.BIN / "inclubot"), "train"], check=True, cwd=servers.PROJECT_ROOT)
    ours = parse_all(latest_model(servers.MODELS_DIR), texts)
    default = parse_all(args.baseline_model or train_default_pipeline(), texts)
    langdetect_codes = [plain_langdetect(t) for t in texts]

    by_language: Dict[str, List[int]] = defaultdict(list)
    for index, (_, _, language) in enumerate(rows):
        by_language[language].append(index)

    def intent_scores(parses, indices):
        truth = [rows[i][1] for i in indices]
        predicted = [(parses[i].get("intent") or {}).get("name") or "none" for i in indices]
        accuracy = sum(t == p for t, p in zip(truth, predicted)) / len(indices)
        return accuracy, f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0)

    def language_accuracy(codes, indices):
        return sum(codes[i] == rows[i][2] for i in indices) / len(indices) if indices else float("nan")

    our_codes = [(p.get("language") or {}).get("code") for p in ours]
    short = [i for i, r in enumerate(rows) if len(r[0].split()) <= SHORT_WORDS]

    print(f"\n$ {Path(sys.executable).name} -m bench.nlu_eval")
    print(f"held-out messages: {len(rows)} in {len(by_language)} languages ({len(short)} of 1-{SHORT_WORDS} words)")
    print(f"{'lang':<5}{'n':>4} | {'intent acc':>10}{'macro-F1':>9} | {'rasa-init acc':>13}{'macro-F1':>9} | "
          f"{'lang-id':>8}{'short':>7} | {'langdetect':>10}{'short':>7}")
    for language in sorted(by_language):
        indices = by_language[language]
        short_here = [i for i in indices if i in set(short)]
        accuracy, f1 = intent_scores(ours, indices)
        d_accuracy, d_f1 = intent_scores(default, indices)
        print(f"{language:<5}{len(indices):>4} | {accuracy:>10.3f}{f1:>9.3f} | {d_accuracy:>13.3f}{d_f1:>9.3f} | "
              f"{language_accuracy(our_codes, indices):>8.3f}{language_accuracy(our_codes, short_here):>7.3f} | "
              f"{language_accuracy(langdetect_codes, indices):>10.3f}{language_accuracy(langdetect_codes, short_here):>7.3f}")
    everything = list(range(len(rows)))
    accuracy, f1 = intent_scores(ours, everything)
    d_accuracy, d_f1 = intent_scores(default, everything)
    print(f"{'all':<5}{len(rows):>4} | {accuracy:>10.3f}{f1:>9.3f} | {d_accuracy:>13.3f}{d_f1:>9.3f} | "
          f"{language_accuracy(our_codes, everything):>8.3f}{language_accuracy(our_codes, short):>7.3f} | "
          f"{language_accuracy(langdetect_codes, everything):>10.3f}{language_accuracy(langdetect_codes, short):>7.3f}")


if __name__ == "__main__":
    main()
