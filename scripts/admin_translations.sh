#!/usr/bin/env bash
# After changing a text of the admin (templates and Python of knowledge/admin/): extract the
# texts into knowledge/admin/translations/messages.pot, bring every language's .po up to
# date (new texts appear untranslated there: translate them), and compile. Setup compiles
# too (scripts/setup.sh), so a fresh checkout never runs on stale catalogues.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=knowledge/admin/translations
.venv/bin/pybabel -q extract -F knowledge/admin/babel.cfg -k lazy_gettext -k _l -o "$dir/messages.pot" \
    --no-location --sort-output --project=IncluBot knowledge/admin
for code in fr nl it es el lv; do
    if [ -f "$dir/$code/LC_MESSAGES/messages.po" ]; then
        .venv/bin/pybabel -q update -i "$dir/messages.pot" -d "$dir" -l "$code" --no-fuzzy-matching
    else
        .venv/bin/pybabel -q init -i "$dir/messages.pot" -d "$dir" -l "$code"
    fi
done
.venv/bin/pybabel -q compile -d "$dir" -D messages
.venv/bin/pybabel -q compile -d "$dir" -D admin
