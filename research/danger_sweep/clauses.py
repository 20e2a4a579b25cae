"""Would reading the clauses of a short message alone catch "my son drank bleach, where is the
nearest hospital" (0.154 whole, 0.984 for its first clause) without new false alarms?

    mkdir -p /tmp/m1 && tar xzf models/<model>.tar.gz -C /tmp/m1
    .venv/bin/python research/danger_sweep/clauses.py

A message of at most LONG_MESSAGE_WORDS words with two clauses or more (split at , ; . ! ?) is
danger when one clause alone scores X or more; printed per X beside today's rule (X = 1.1).
"""
import glob
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import pickle  # noqa: E402
from bench.nlu_eval import message_set, CRISIS_SETS, REALISTIC_SETS, DEVELOPMENT_CRISIS_SETS
from bot.sentence_embedding import embed
from bot.danger_model import LONG_MESSAGE_WORDS
# (danger_model.joblib, read with joblib.load, in archives trained before 2026-12-08)
m = pickle.load(open(glob.glob('/tmp/m1/components/*EmergencyDetector*/danger_model.pickle')[0], "rb"))
rows = {n: message_set(d) for n, d in {**CRISIS_SETS, **REALISTIC_SETS}.items()}
texts = [r["text"] for n in rows for r in rows[n]]
E = embed(texts)
SPLIT = re.compile(r"[,;.!?؟،]+")
base, clause = {}, {}
i = 0
for n in rows:
    base[n], clause[n] = [], []
    for r in rows[n]:
        t = r["text"]; s = m.message_score(t, E[i]); i += 1
        parts = [p.strip() for p in SPLIT.split(t) if len(p.split()) >= 2] if len(t.split()) <= LONG_MESSAGE_WORDS else []
        c = float(m.scores(parts).max()) if len(parts) >= 2 else 0.0
        base[n].append(s); clause[n].append(c)
def pick(names, danger, X):
    return [max(b, c if c >= X else 0) for n in names for r, b, c in zip(rows[n], base[n], clause[n]) if r.get("danger", False) == danger]
th = m.threshold
for X in [1.1, 0.999, 0.995, 0.99, 0.98, 0.95, 0.9]:
    d, f = pick(DEVELOPMENT_CRISIS_SETS, True, X), pick(DEVELOPMENT_CRISIS_SETS, False, X)
    s7d, s7f = pick(["crisis, seventh"], True, X), pick(["crisis, seventh"], False, X)
    ev = [max(b, c if c >= X else 0) for n in REALISTIC_SETS for b, c in zip(base[n], clause[n])]
    print(f"X={X} th={th:.3f} dev missed {sum(s<th for s in d)} FA {sum(s>=th for s in f)} | seventh missed {sum(s<th for s in s7d)} FA {sum(s>=th for s in s7f)} | everyday {sum(s>=th for s in ev)}", flush=True)
