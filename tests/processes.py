"""The processes running on this machine, as the tests look for the servers among them."""
from pathlib import Path
from typing import Iterator, List, Tuple


def command_lines() -> Iterator[Tuple[int, List[bytes]]]:
    """Each running process's id and the arguments of its command line."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                yield int(entry.name), (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:  # the process ended meanwhile
                continue
