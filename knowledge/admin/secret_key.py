"""The key that signs staff sessions and CSRF tokens: never in the code.

From INCLUBOT_SECRET_KEY, else from a file generated once per installation (var/secret_key,
readable by its owner only, not in version control), so that sessions survive restarts.
"""
from pathlib import Path

from bot.settings import VAR_DIR
from knowledge import private_files

DEFAULT_KEY_FILE = VAR_DIR / "secret_key"


def load_secret_key(key_file: Path = DEFAULT_KEY_FILE) -> str:
    return private_files.secret("INCLUBOT_SECRET_KEY", key_file)
