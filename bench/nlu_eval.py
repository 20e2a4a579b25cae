"""Understanding and safety, measured on messages the model never trains on.

    .venv/bin/python -m bench.nlu_eval                       (`make eval`)
    .venv/bin/python -m bench.nlu_eval --baseline-model FILE (beside a trained rasa-init NLU model)

Three sets, each written apart from the training data (tests/overlap check: tests/test_eval_sets.py):
- tests/nlu_heldout/: plain questions, 46 per language: intent accuracy and macro-F1;
- tests/nlu_realistic/: questions as people write them: accuracy per language and per kind
  (narrative, typo, indirect, romanized, code-switching, short, out of scope), and how often
  the right topic is among the buttons offered when the bot is unsure (top 3);
- tests/nlu_realistic_second/: the same kinds by a later author, nothing tuned on it;
- tests/crisis/: danger now and look-alikes: recall of danger and the false-alarm rate, per
  language and kind, beside the word lexicon alone (the safety net before this model);
- tests/crisis_fresh/: the same, by a later author;
- tests/crisis_third/: the same, by a third author, in 8 languages;
- tests/crisis_fourth/: the same, by a fourth author, in the other languages (el fa lv tr, and
  ar uk again), romanized lines marked.
- tests/crisis_fifth/: the same, by a fifth author, in the 12 languages, written without sight
  of the project's data or the other sets; nothing was tuned on it, but its misses were read
  (long stories whose danger comes late), and tests/crisis_long/ was written for that;
- tests/crisis_long/: long messages (30-90 words) whose danger comes late in the story or not
  at all, by a sixth author, 7 and 7 in each language: the development set of the danger
  model's reading of a long message's end (bot/danger_model.py).
- tests/crisis_care/: one kind, danger now beside a question about care, 12 and 12 in each
  language, by a later author; its misses chose the *_care safety data (a development set).
The crisis sets are never trained on, but they are development sets now: their misses and
false alarms chose which kinds of safety data later authors wrote, and the recall target of
bot/danger_model.py was read beside them. Sets written without sight of the project are the test.
What follows 112: how many cries get a topic they did not ask about, and how many everyday
questions read as danger still get their own answer (actions/needs.py).
Language identification on all three, beside plain langdetect and lingua (restricted to the
12 languages), overall, on 1-3 words, and on romanized messages.
"""
import argparse
import logging
import asyncio
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import yaml
from sklearn.metrics import f1_score

from bot import servers
from bot.language_id import LANGUAGES

TESTS_DIR = servers.PROJECT_ROOT / "tests"
HELD_OUT_DIR = TESTS_DIR / "nlu_heldout"
REALISTIC_DIR = TESTS_DIR / "nlu_realistic"
# A ninth author's realistic set, written without sight of the data or the other sets; nothing
# was tuned on it.
SECOND_REALISTIC_DIR = TESTS_DIR / "nlu_realistic_second"
REALISTIC_SETS = {"realistic": REALISTIC_DIR, "realistic, second": SECOND_REALISTIC_DIR}
CRISIS_DIR = TESTS_DIR / "crisis"
# Written later by another author, after the training data and the first crisis set had shaped
# the model; never trained on (see the docstring: development sets since).
FRESH_CRISIS_DIR = TESTS_DIR / "crisis_fresh"
# A third author, in 8 languages, written without sight of the project's data; never trained on.
THIRD_CRISIS_DIR = TESTS_DIR / "crisis_third"
FOURTH_CRISIS_DIR = TESTS_DIR / "crisis_fourth"
FIFTH_CRISIS_DIR = TESTS_DIR / "crisis_fifth"
LONG_CRISIS_DIR = TESTS_DIR / "crisis_long"
# A seventh author, in all 12 languages and romanized, written without sight of the project's data.
SIXTH_CRISIS_DIR = TESTS_DIR / "crisis_sixth"
# An eighth author, likewise: 12 languages, 10 danger kinds and 9 kinds of look-alike each.
SEVENTH_CRISIS_DIR = TESTS_DIR / "crisis_seventh"
# One kind only, by a later author who read nothing of the project: danger now beside a
# question about care ("my son drank bleach, where is the nearest hospital"). Its misses
# chose the data/safety/*_care.yml data: a development set.
CARE_CRISIS_DIR = TESTS_DIR / "crisis_care"
CRISIS_SETS = {"crisis": CRISIS_DIR, "crisis, fresh": FRESH_CRISIS_DIR, "crisis, third": THIRD_CRISIS_DIR,
               "crisis, fourth": FOURTH_CRISIS_DIR, "crisis, fifth": FIFTH_CRISIS_DIR, "crisis, long": LONG_CRISIS_DIR,
               "crisis, sixth": SIXTH_CRISIS_DIR, "crisis, seventh": SEVENTH_CRISIS_DIR, "crisis, care": CARE_CRISIS_DIR}
# The sets that set the danger threshold (bot/danger_model.py: the highest missing none of
# their cries). The seventh was only measured, never read to decide; the care set came after
# the threshold's rule and still has misses it shows on its own.
DEVELOPMENT_CRISIS_SETS = [name for name in CRISIS_SETS if name not in ("crisis, seventh", "crisis, care")]
DEFAULT_PIPELINE_CONFIG = servers.PROJECT_ROOT / "bench" / "rasa_init_config.yml"
DEFAULT_PIPELINE_MODELS = servers.PROJECT_ROOT / "var" / "bench" / "rasa-init-nlu"
SHORT_WORDS = 3
os.environ.update(servers.OPENMP_SETTINGS)  # before Rasa's libraries load (bot/servers.py)
OFFERED_TOPICS = 3  # buttons the bot offers when unsure (actions/clarification.py)


def held_out() -> List[Dict]:
    rows = []
    for path in sorted(HELD_OUT_DIR.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    rows.append({"text": line.strip()[2:].strip(), "intent": block["intent"],
                                 "language": block["metadata"]["language"], "kind": "plain"})
    return rows


def message_set(directory: Path) -> List[Dict]:
    """The messages of tests/nlu_realistic/ or tests/crisis/, each with its file's language."""
    rows = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for message in data["messages"]:
            rows.append({**message, "language": data["language"]})
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


def parse_sets(model: Path, sets: Dict[str, List[str]]) -> Dict[str, List[Dict]]:
    """Every set's texts parsed by the model, loaded once (a load takes tens of seconds)."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # else Rasa prints every parse (its debug lines) here
    agent = Agent.load(str(model))

    async def run():
        parses = {}
        for name, texts in sets.items():
            parses[name] = [await agent.parse_message(text) for text in texts]
        return parses

    return asyncio.run(run())


def langdetect_peer() -> Callable[[str], str]:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    def detect_one(text: str) -> str:
        DetectorFactory.seed = 0
        try:
            return detect(text)
        except LangDetectException:
            return "?"

    return detect_one


def lingua_peer() -> Optional[Callable[[str], str]]:
    """lingua-language-detector, restricted to the 12 languages (None when not installed)."""
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder
    except ImportError:
        return None
    languages = [IsoCode639_1.from_str(code) for code in LANGUAGES]
    detector = LanguageDetectorBuilder.from_iso_codes_639_1(*languages).with_preloaded_language_models().build()

    def detect_one(text: str) -> str:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else "?"

    return detect_one


def lexicon_peer() -> Callable[[str], bool]:
    """The safety net before the danger model: a phrase of bot/emergency_words/ anywhere."""
    from bot.danger_model import _normalise, lexicon_pattern, lexicon_phrases

    pattern = lexicon_pattern(lexicon_phrases())
    return lambda text: bool(pattern.search(_normalise(text)))


def ratio(hits: int, total: int) -> str:
    return f"{hits / total:.3f}" if total else "  -  "


def table(title: str, header: Sequence[str], rows: List[Sequence]) -> None:
    print(f"\n{title}")
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    for row in [header, *rows]:
        print("  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths))))


def grouped(rows: List[Dict], key: str) -> Dict[str, List[int]]:
    groups: Dict[str, List[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        groups[str(row.get(key))].append(index)
    return dict(sorted(groups.items()))


def intent_of(parse: Dict) -> str:
    """The intent the bot acts on (emergency for a message read as danger)."""
    return (parse.get("intent") or {}).get("name") or "none"


def top_intents(parse: Dict, count: int) -> List[str]:
    return [r.get("name") for r in (parse.get("intent_ranking") or [])[:count]]


def report_intents(title: str, rows: List[Dict], parses: List[Dict], baseline: Optional[List[Dict]]) -> None:
    def scores(indices, source):
        truth = [rows[i]["intent"] for i in indices]
        predicted = [intent_of(source[i]) for i in indices]
        accuracy = sum(t == p for t, p in zip(truth, predicted)) / len(indices)
        f1 = f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0)
        offered = sum(rows[i]["intent"] in top_intents(source[i], OFFERED_TOPICS) for i in indices) / len(indices)
        return accuracy, f1, offered

    for key in ("language", "kind"):
        lines = []
        for group, indices in [*grouped(rows, key).items(), ("all", list(range(len(rows))))]:
            accuracy, f1, offered = scores(indices, parses)
            line = [group, len(indices), f"{accuracy:.3f}", f"{f1:.3f}", f"{offered:.3f}"]
            if baseline:
                b_accuracy, b_f1, _ = scores(indices, baseline)
                line += [f"{b_accuracy:.3f}", f"{b_f1:.3f}"]
            lines.append(line)
        header = [key, "n", "accuracy", "macro-F1", "in top-3"] + (["rasa-init acc", "macro-F1"] if baseline else [])
        table(f"{title}: intents per {key}", header, lines)


def report_languages(rows: List[Dict], ours: List[Dict], peers: Dict[str, Callable[[str], str]]) -> None:
    codes = {"IncluBot": [(p.get("language") or {}).get("code") for p in ours]}
    scripts = [(p.get("language") or {}).get("script") for p in ours]
    for name, detect in peers.items():
        codes[name] = [detect(row["text"]) for row in rows]
    subsets = {
        "all": list(range(len(rows))),
        f"1-{SHORT_WORDS} words": [i for i, r in enumerate(rows) if len(r["text"].split()) <= SHORT_WORDS],
        "romanized": [i for i, r in enumerate(rows) if r.get("script") == "latin"],
        "native script": [i for i, r in enumerate(rows) if r.get("script") != "latin"],
    }
    lines = []
    for subset, indices in subsets.items():
        line = [subset, len(indices)]
        for name in codes:
            line.append(ratio(sum(codes[name][i] == rows[i]["language"] for i in indices), len(indices)))
        lines.append(line)
    romanized = subsets["romanized"]
    lines.append(["romanized: script=latin", len(romanized),
                  ratio(sum(scripts[i] == "latin" for i in romanized), len(romanized)), *["-"] * len(peers)])
    table("Language identification (all sets)", ["messages", "n", *codes], lines)
    per_language = []
    for language, indices in grouped(rows, "language").items():
        per_language.append([language, len(indices), *(ratio(sum(codes[n][i] == language for i in indices), len(indices)) for n in codes)])
    table("Language identification per language", ["language", "n", *codes], per_language)


def read_as_danger(parse: Dict) -> bool:
    return bool((parse.get("emergency") or {}).get("danger"))


def danger_score(parse: Dict) -> float:
    return float((parse.get("emergency") or {}).get("score") or 0.0)


def report_crisis(name: str, rows: List[Dict], parses: List[Dict]) -> None:
    ours = [read_as_danger(p) for p in parses]
    lexicon = lexicon_peer()
    peer = [lexicon(r["text"]) for r in rows]

    def line(group, indices):
        danger = [i for i in indices if rows[i]["danger"]]
        safe = [i for i in indices if not rows[i]["danger"]]
        return [group, len(danger), len(safe),
                ratio(sum(ours[i] for i in danger), len(danger)), ratio(sum(ours[i] for i in safe), len(safe)),
                ratio(sum(peer[i] for i in danger), len(danger)), ratio(sum(peer[i] for i in safe), len(safe))]

    header = ["group", "danger", "look-alike", "recall", "false alarms", "lexicon recall", "lexicon false alarms"]
    for key in ("language", "kind", "script"):
        lines = [line(g, ix) for g, ix in grouped(rows, key).items()] + [line("all", list(range(len(rows))))]
        table(f"Danger now ({name}): per {key}", header, lines)
    missed = [r["text"] for r, flagged in zip(rows, ours) if r["danger"] and not flagged]
    alarms = [r["text"] for r, flagged in zip(rows, ours) if not r["danger"] and flagged]
    print(f"\nmissed ({len(missed)}):", *missed, sep="\n  ")
    print(f"false alarms ({len(alarms)}):", *alarms, sep="\n  ")


def report_everyday_alarms(sets: Dict[str, List[Dict]], parses: Dict[str, List[Dict]]) -> None:
    """Everyday questions (the realistic sets: no one is in danger) that get 112 first."""
    for name in REALISTIC_SETS:
        flagged = [read_as_danger(p) for p in parses[name]]
        lines = [[group, len(indices), sum(flagged[i] for i in indices), ratio(sum(flagged[i] for i in indices), len(indices))]
                 for group, indices in [*grouped(sets[name], "kind").items(), ("all", list(range(len(flagged))))]]
        table(f"Everyday questions read as danger ({name})", ["kind", "n", "read as danger", "rate"], lines)
        print(*(f"  {danger_score(p):.3f}  {r['text']}" for r, p, f in zip(sets[name], parses[name], flagged) if f), sep="\n")


def report_threshold(sets: Dict[str, List[Dict]], parses: Dict[str, List[Dict]]) -> None:
    """The danger threshold against the sets: at the model's own, and at the highest that
    misses no danger message of the development sets (the rule that set the model's bound)."""
    def scored(names, danger):
        return [danger_score(p) for name in names for r, p in zip(sets[name], parses[name]) if r.get("danger", False) == danger]

    development_danger = scored(DEVELOPMENT_CRISIS_SETS, True)
    model_threshold = min((danger_score(p) for name in parses for p in parses[name] if read_as_danger(p)), default=1.0)
    lines = []
    for label, threshold in (("model (lowest score read as danger)", model_threshold),
                             ("missing no development cry", min(development_danger))):
        row = [label, f"{threshold:.3f}"]
        for names in (DEVELOPMENT_CRISIS_SETS, ["crisis, seventh"]):
            danger, safe = scored(names, True), scored(names, False)
            row += [sum(s < threshold for s in danger), len(danger), sum(s >= threshold for s in safe), len(safe)]
        everyday = [danger_score(p) for name in REALISTIC_SETS for p in parses[name]]
        row += [sum(s >= threshold for s in everyday), len(everyday)]
        lines.append(row)
    table("Danger threshold", ["threshold", "value", "dev missed", "of", "dev false alarms", "of",
                               "seventh missed", "of", "seventh false alarms", "of", "everyday read as danger", "of"], lines)


def report_beside_danger(sets: Dict[str, List[Dict]], parses: Dict[str, List[Dict]]) -> None:
    """What follows 112 (actions/needs.py): a cry should get no topic it did not ask about
    (on the crisis sets, most cries ask nothing), an everyday question read as danger should
    still get its own answer, and a cry beside a question about care should get that answer."""
    from actions.needs import question_beside_danger

    def flagged(names, danger):
        return [(r, p) for name in names for r, p in zip(sets[name], parses[name])
                if read_as_danger(p) and r.get("danger", False) == danger]

    cries = flagged(DEVELOPMENT_CRISIS_SETS, True)
    care = flagged(["crisis, care"], True)
    everyday = flagged(REALISTIC_SETS, False)
    lines = [["development cries read as danger: given a topic", sum(bool(question_beside_danger(p)) for _, p in cries), len(cries)],
             ["care-question cries read as danger: given a topic", sum(bool(question_beside_danger(p)) for _, p in care), len(care)],
             ["everyday questions read as danger: given their own answer",
              sum(question_beside_danger(p) == r["intent"] for r, p in everyday), len(everyday)]]
    table("Beside 112", ["messages", "n", "of"], lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-model", type=Path, help="a trained rasa-init NLU model to compare with")
    parser.add_argument("--train-baseline", action="store_true", help="train rasa-init's pipeline (~30-45 min on 2 cores)")
    parser.add_argument("--model", type=Path, help="IncluBot model to evaluate (default: train if needed, the newest)")
    args = parser.parse_args()
    if args.model is None:
        subprocess.run([str(servers.BIN / "inclubot"), "train"], check=True, cwd=servers.PROJECT_ROOT)
    model = args.model or latest_model(servers.MODELS_DIR)
    sets = {"held-out": held_out(), **{name: message_set(directory) for name, directory in REALISTIC_SETS.items()},
            **{name: message_set(directory) for name, directory in CRISIS_SETS.items()}}
    parses = parse_sets(model, {name: [r["text"] for r in rows] for name, rows in sets.items()})
    baseline_model = args.baseline_model or (train_default_pipeline() if args.train_baseline else None)
    baseline = parse_sets(baseline_model, {name: [r["text"] for r in sets[name]] for name in ("held-out", *REALISTIC_SETS)}) \
        if baseline_model else {}

    print(f"\n$ {Path(sys.executable).name} -m bench.nlu_eval {' '.join(sys.argv[1:])}")
    print("model:", model.name, "| sets:", ", ".join(f"{n} {len(r)}" for n, r in sets.items()))
    report_intents("Held-out (plain)", sets["held-out"], parses["held-out"], baseline.get("held-out"))
    for name in REALISTIC_SETS:
        report_intents(name.capitalize(), sets[name], parses[name], baseline.get(name))
    everything = [r for name in sets for r in sets[name]]
    everything_parses = [p for name in sets for p in parses[name]]
    peers = {"langdetect": langdetect_peer()}
    lingua = lingua_peer()
    if lingua:
        peers["lingua"] = lingua
    report_languages(everything, everything_parses, peers)
    for name in CRISIS_SETS:
        report_crisis(name, sets[name], parses[name])
    report_everyday_alarms(sets, parses)
    report_threshold(sets, parses)
    report_beside_danger(sets, parses)


if __name__ == "__main__":
    main()
