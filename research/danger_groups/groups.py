"""Would a danger threshold of its own per group of messages (romanized or not, short or long,
per language) raise fewer false alarms at equal recall? Counts only: no message is printed.

    .venv/bin/python research/danger_groups/groups.py     (needs /tmp/danger_examples.joblib:
                                                           research/danger_sweep/sweep.py says how)

The base model is refitted as research/danger_sweep/sweep.py does (its figures are make eval's).
Per group, the threshold is the group's lowest development cry (the highest that misses none
of them); a group without a development cry takes the lowest cry of all, today's threshold. The rule of research/danger_sweep/
decides: development false alarms plus everyday messages read as danger; the seventh and care
sets are printed, never decide.
"""
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import joblib  # noqa: E402

from bench.nlu_eval import CRISIS_SETS, DEVELOPMENT_CRISIS_SETS, REALISTIC_SETS, message_set  # noqa: E402
from bot.danger_model import DangerModel  # noqa: E402
from bot.sentence_embedding import embed  # noqa: E402

EXAMPLES = "/tmp/danger_examples.joblib"
CHECK_SETS = ["crisis, seventh", "crisis, care"]


def words(message):
    return len(message["text"].split())


GROUPINGS = {
    "one threshold": lambda m: "all",
    "romanized or not": lambda m: m.get("script") or "own",
    "length (<=5, 6-20, >20 words)": lambda m: "short" if words(m) <= 5 else "middle" if words(m) <= 20 else "long",
    "language": lambda m: m["language"],
    "language and script": lambda m: (m["language"], m.get("script") or "own"),
}


def main():
    examples = joblib.load(EXAMPLES)
    sets = {**CRISIS_SETS, **REALISTIC_SETS}
    rows = [(name, m) for name, directory in sets.items() for m in message_set(directory)]
    embeddings = embed([m["text"] for _, m in rows])
    model = DangerModel.train(examples, use_embeddings=True)
    scored = [(name, m, model.message_score(m["text"], e)) for (name, m), e in zip(rows, embeddings)]

    for label, group_of in GROUPINGS.items():
        lowest_cry = defaultdict(lambda: 1.0)
        for name, m, score in scored:
            if name in DEVELOPMENT_CRISIS_SETS and m.get("danger"):
                lowest_cry[group_of(m)] = min(lowest_cry[group_of(m)], score)
        overall = min(lowest_cry.values())

        def alarm(m, score):
            return score >= lowest_cry.get(group_of(m), overall)

        def counts(names):
            cries = [(m, s) for n, m, s in scored if n in names and m.get("danger")]
            safe = [(m, s) for n, m, s in scored if n in names and not m.get("danger")]
            return sum(not alarm(m, s) for m, s in cries), len(cries), sum(alarm(m, s) for m, s in safe), len(safe)

        dev_missed, dev_cries, dev_fa, dev_safe = counts(DEVELOPMENT_CRISIS_SETS)
        everyday = [(m, s) for n, m, s in scored if n in REALISTIC_SETS]
        everyday_fa = sum(alarm(m, s) for m, s in everyday)
        if len(lowest_cry) <= 3:
            print("   thresholds: " + ", ".join(f"{group} {value:.3f}" for group, value in sorted(lowest_cry.items())))
        checks = " | ".join("{}: missed {}/{} FA {}/{}".format(n.split(", ")[1], *counts([n])) for n in CHECK_SETS)
        print(f"{label:32s} groups {len(lowest_cry):2d} | dev missed {dev_missed}/{dev_cries} FA {dev_fa}/{dev_safe} | "
              f"everyday {everyday_fa}/{len(everyday)} | sum {dev_fa + everyday_fa} | {checks}", flush=True)


if __name__ == "__main__":
    main()
