"""Refit the danger model with other settings on the very examples the pipeline gave it, and
score the crisis and realistic sets as the Rasa server does (message_score with the embedding).

    # once: add to EmergencyDetector.train, after `examples = [...]`, and run `inclubot train`:
    #     joblib.dump(examples, "/tmp/danger_examples.joblib")
    .venv/bin/python research/danger_sweep/sweep.py base EMBEDDING_WEIGHT=1.0 C=30 "EMBEDDING_WEIGHT=1.5,C=3"
    .venv/bin/python research/danger_sweep/sweep.py --add-data research/safety_assault_care base   (the care set is among make eval's sets now)

Each argument is a variant: module constants of bot/danger_model.py, and C (the classifier's
regularisation). Printed: at the model's own threshold and at the highest threshold that misses
no danger message of the development crisis sets, the misses and false alarms there, on the
seventh set (never used to decide) and the everyday messages of the realistic sets read as danger.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import joblib  # noqa: E402

from bench.nlu_eval import CRISIS_SETS, DEVELOPMENT_CRISIS_SETS, REALISTIC_SETS, message_set  # noqa: E402
from bot import danger_model  # noqa: E402
from bot.danger_model import safety_examples  # noqa: E402
from bot.sentence_embedding import embed  # noqa: E402

EXAMPLES = "/tmp/danger_examples.joblib"
SEVENTH = ["crisis, seventh"]


def run(examples, rows, embeddings, label, settings, extra_set=None):
    C = settings.pop("C", 10.0)
    before = {key: getattr(danger_model, key) for key in settings}
    for key, value in settings.items():
        setattr(danger_model, key, value)
    started = time.time()
    model = danger_model.DangerModel.train(examples, use_embeddings=True, C=C)
    fit = time.time() - started
    scores, offset = {}, 0
    for name, messages in rows.items():
        scores[name] = [model.message_score(m["text"], embeddings[offset + i]) for i, m in enumerate(messages)]
        offset += len(messages)
    for key, value in before.items():
        setattr(danger_model, key, value)

    def scored(names, danger):
        return [s for n in names for m, s in zip(rows[n], scores[n]) if m.get("danger", False) == danger]

    everyday = [s for n in REALISTIC_SETS for s in scores[n]]
    also = ""
    for which, threshold in (("model", model.threshold), ("no dev miss", min(scored(DEVELOPMENT_CRISIS_SETS, True)))):
        counts = []
        for names in (DEVELOPMENT_CRISIS_SETS, SEVENTH):
            danger, safe = scored(names, True), scored(names, False)
            counts.append(f"missed {sum(s < threshold for s in danger)}/{len(danger)} FA {sum(s >= threshold for s in safe)}/{len(safe)}")
        if extra_set:
            danger, safe = scored([extra_set], True), scored([extra_set], False)
            also = f" | {extra_set}: missed {sum(s < threshold for s in danger)}/{len(danger)} FA {sum(s >= threshold for s in safe)}/{len(safe)}"
        print(f"{label:28s} {which:12s} th={threshold:.3f} dev {counts[0]} | seventh {counts[1]} | "
              f"everyday {sum(s >= threshold for s in everyday)}/{len(everyday)}{also}  (fit {fit:.0f}s)", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("variants", nargs="+")
    parser.add_argument("--add-data", type=Path, help="a folder of safety data (data/safety/ format) trained on too")
    parser.add_argument("--also-score", type=Path, help="a folder of crisis messages (tests/crisis/ format) scored too")
    args = parser.parse_args()
    examples = joblib.load(EXAMPLES)
    if args.add_data:
        examples += list(safety_examples(args.add_data, chat_spellings=True))
    sets = {**CRISIS_SETS, **REALISTIC_SETS, **({str(args.also_score): args.also_score} if args.also_score else {})}
    rows = {name: message_set(directory) for name, directory in sets.items()}
    embeddings = embed([m["text"] for messages in rows.values() for m in messages])
    for variant in args.variants:
        settings = dict(part.split("=") for part in variant.split(",") if part != "base")
        run(examples, rows, embeddings, variant, {key: float(value) for key, value in settings.items()},
            str(args.also_score) if args.also_score else None)


if __name__ == "__main__":
    main()
