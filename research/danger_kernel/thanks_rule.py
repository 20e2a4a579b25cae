"""How many messages would "thanks read by the intent model overrules danger" change? Every
crisis and realistic message is parsed by the newest model (as /model/parse does); a message of
at most WORDS words whose top intent other than `emergency` is one of INTENTS with confidence
at least c, and with no suicide words, would not be danger. Counts only, per group of sets.

    .venv/bin/python research/danger_kernel/thanks_rule.py
"""
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.nlu_eval import (CRISIS_SETS, DEVELOPMENT_CRISIS_SETS, REALISTIC_SETS,  # noqa: E402
                            latest_model, message_set, parse_sets)
from bot import servers  # noqa: E402
from bot.name_matching import fold  # noqa: E402
from bot.suicide import speaks_of_suicide  # noqa: E402

FAREWELLS = {"thank", "goodbye"}
CONVERSATION = FAREWELLS | {"greet", "affirm", "deny", "bot_challenge", "choose_language", "inform_city"}


def group(set_name: str) -> str:
    if set_name in DEVELOPMENT_CRISIS_SETS:
        return "development"
    return "everyday" if set_name in REALISTIC_SETS else set_name


def main():
    sets = {**CRISIS_SETS, **REALISTIC_SETS}
    rows = {name: message_set(directory) for name, directory in sets.items()}
    parses = parse_sets(latest_model(servers.MODELS_DIR), {n: [m["text"] for m in ms] for n, ms in rows.items()})
    for intents in (CONVERSATION, FAREWELLS):
        for confidence in (0.5, 0.7, 0.8, 0.9):
            for words in (6, 10):
                counts = Counter()
                for name, messages in rows.items():
                    for message, parse in zip(messages, parses[name]):
                        ranking = [r for r in parse.get("intent_ranking") or [] if r["name"] != "emergency"]
                        if not ranking or ranking[0]["name"] not in intents or ranking[0]["confidence"] < confidence:
                            continue
                        if len(message["text"].split()) > words or speaks_of_suicide(fold(message["text"])):
                            continue
                        if message.get("danger", False):
                            what = "cries silenced"
                        else:
                            what = "false alarms removed" if parse["emergency"]["danger"] else "safe, no alarm"
                        counts[f"{group(name)}: {what}"] += 1
                print(sorted(intents)[:2], f"c>={confidence}", f"<={words} words", dict(sorted(counts.items())))


if __name__ == "__main__":
    main()
