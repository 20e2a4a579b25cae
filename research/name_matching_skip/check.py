"""bot/name_matching.py skips spaCy's Matcher for a message none of whose words can begin a
name. This checks that the skip changes no match: every distinct line of data/ and tests/
(and the upper-case form of 3,000 of them) is matched with the skip and with the Matcher alone.

    .venv/bin/python research/name_matching_skip/check.py     (about 2-6 min on 2 cores)
"""
import re
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.name_matching import default_matcher  # noqa: E402


def lines_of(value):
    if isinstance(value, str):
        for line in value.splitlines():
            line = line.strip()
            yield line[2:] if line.startswith("- ") else line
    elif isinstance(value, list):
        for item in value:
            yield from lines_of(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from lines_of(item)


def texts():
    found = set()
    for path in [*ROOT.glob("data/**/*.yml"), *ROOT.glob("tests/**/*.yml")]:
        try:
            found.update(lines_of(yaml.safe_load(path.read_text(encoding="utf-8"))))
        except yaml.YAMLError:
            continue
    found = sorted(found)
    return found + [t.upper() for t in found[:3000]]


def main():
    all_texts = texts()
    with_skip = default_matcher()
    find = type(with_skip)._find.__wrapped__  # past the lru_cache: every text is matched anew
    started = time.time()
    skipped = [find(with_skip, t) for t in all_texts]
    took_with_skip = time.time() - started
    matcher_alone = type(with_skip).__new__(type(with_skip))
    matcher_alone.__dict__.update(with_skip.__dict__, _could_begin_a_name=re.compile(""))  # every word may begin a name
    started = time.time()
    alone = [find(matcher_alone, t) for t in all_texts]
    took_alone = time.time() - started
    differ = sum(a != b for a, b in zip(skipped, alone))
    print(f"{len(all_texts)} texts, {sum(map(bool, alone))} with a name; differ: {differ}; "
          f"with the skip {took_with_skip:.0f} s, the Matcher alone {took_alone:.0f} s")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
