"""Does a non-linear reading of the sentence embedding tell thanks from a farewell, a worry
from danger, better than today's linear block? Nystroem features (an RBF kernel on the
embeddings, approximated by COMPONENTS landmark sentences) beside or instead of it, refit on
the examples the pipeline gave the danger model and scored as sweep.py scores (same rule).

    .venv/bin/python research/danger_kernel/kernel.py base "kernel:COMPONENTS=300,GAMMA=10,WEIGHT=1"
"""
import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.kernel_approximation import Nystroem

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "danger_sweep"))

import joblib  # noqa: E402
import sweep  # noqa: E402

from bench.nlu_eval import CRISIS_SETS, REALISTIC_SETS, message_set  # noqa: E402
from bot import danger_model  # noqa: E402
from bot.sentence_embedding import embed  # noqa: E402

ORIGINAL = danger_model.DangerModel


def kernel_model(components: int, gamma: float, weight: float, linear: bool):
    class KernelDangerModel(ORIGINAL):
        kernel = None

        def _features(self, texts, embeddings=None):
            if embeddings is None:
                embeddings = embed(texts)
            base = ORIGINAL._features(self, texts, embeddings if linear else np.zeros_like(embeddings))
            if self.kernel is None:  # the first call is the fit's
                self.kernel = Nystroem(gamma=gamma, n_components=components, random_state=0).fit(embeddings)
            return hstack([base, csr_matrix(self.kernel.transform(embeddings).astype(np.float32) * weight)], format="csr")
    return KernelDangerModel


def main():
    examples = joblib.load(sweep.EXAMPLES)
    sets = {**CRISIS_SETS, **REALISTIC_SETS}
    rows = {name: message_set(directory) for name, directory in sets.items()}
    embeddings = embed([m["text"] for messages in rows.values() for m in messages])
    for variant in sys.argv[1:]:
        kind, _, rest = variant.partition(":")
        settings = {k: float(v) for k, v in (part.split("=") for part in rest.split(",") if part)}
        danger_model.DangerModel = ORIGINAL if kind == "base" else kernel_model(
            int(settings.pop("COMPONENTS", 300)), settings.pop("GAMMA", 10.0), settings.pop("WEIGHT", 1.0),
            bool(settings.pop("LINEAR", 1)))
        sweep.run(examples, rows, embeddings, variant, settings)
    danger_model.DangerModel = ORIGINAL


if __name__ == "__main__":
    main()
