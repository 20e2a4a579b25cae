"""What the assistant keeps under var/ (databases, keys, logs) is readable by its owner only:
files 0600, folders 0700, whatever the umask of the shell that started it.

`owner_only()` sets the process's umask (the CLI and every server it starts call it first);
`tighten()` corrects what an older version left readable; `secret()` gives a key from its
environment variable, else from a file under var/ made once per installation.
"""
import os
import secrets
import stat
import time
from pathlib import Path
from typing import Mapping, Optional

from bot import settings

OWNER_ONLY_UMASK = 0o077
MIN_SECRET_LENGTH = 32


def owner_only() -> None:
    """Everything this process (and its children) creates: 0600 files, 0700 folders."""
    os.umask(OWNER_ONLY_UMASK)


def private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def tighten(folder: Path) -> None:
    """Removes group and other access from a folder and everything in it (files kept by an
    older version, or made under a permissive umask)."""
    if not folder.is_dir():
        return
    for path in (folder, *folder.rglob("*")):
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)


def secret(variable: str, key_file: Path, min_length: int = MIN_SECRET_LENGTH, environ: Optional[Mapping[str, str]] = None) -> str:
    """The value of `variable` if set (in `environ`, by default this process's environment),
    else the key in `key_file`, made at first use."""
    configured = settings.value(variable, environ=environ)
    if configured:
        if len(configured) < min_length:
            raise SystemExit(f"{variable} must have at least {min_length} characters")
        return configured
    private_dir(key_file.parent)
    try:
        # O_EXCL: two servers starting at once must not write two different keys.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(key_file, variable, min_length)
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def _read_key(key_file: Path, variable: str, min_length: int) -> str:
    key = key_file.read_text(encoding="ascii").strip()
    if not key:  # another process has just created it and is writing it
        time.sleep(0.2)
        key = key_file.read_text(encoding="ascii").strip()
    if len(key) < min_length:
        raise SystemExit(f"{key_file} holds no usable key: delete it to have a new one made (or set {variable})")
    return key
