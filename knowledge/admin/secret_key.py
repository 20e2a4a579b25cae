"""The key that signs staff sessions and CSRF tokens: never in the code.

From INCLUBOT_SECRET_KEY, else from a file generated once per installation (var/secret_key,
readable by its owner only, not in version control), so that sessions survive restarts.
"""
import os
import secrets
from pathlib import Path

from knowledge.db import PROJECT_ROOT

DEFAULT_KEY_FILE = PROJECT_ROOT / "var" / "secret_key"
MIN_LENGTH = 32


def load_secret_key(key_file: Path = DEFAULT_KEY_FILE) -> str:
    configured = os.environ.get("INCLUBOT_SECRET_KEY")
    if configured:
        if len(configured) < MIN_LENGTH:
            raise SystemExit(f"INCLUBOT_SECRET_KEY must have at least {MIN_LENGTH} characters")
        return configured
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two servers starting at once must not write two different keys.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = key_file.read_text(encoding="ascii").strip()
        if len(key) < MIN_LENGTH:
            raise SystemExit(f"{key_file} holds no usable key: delete it to have a new one made")
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
