"""Whether the newest model was trained from the files as they are now, answered without
loading Rasa (which takes a minute on a small machine, and then repackages the model).

The fingerprint is a SHA-256 over what training reads: the configuration, the domain, the
training data, the catalogue and taxonomy the components read, the code of the pipeline's
own components (and the project modules they import), and the versions of Rasa and Python.
It is written beside a model once Rasa has made it (`<model>.tar.gz.inputs`); a model
without one (copied from elsewhere, or from an older version) is checked by Rasa once.

The same files, but for those Rasa reads itself, are what each of the pipeline's components
adds to Rasa's key of its training cache (`components_fingerprint`): Rasa hashes a component's
class, configuration and inputs, not the modules the class calls nor the files it reads.
"""
import hashlib
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Iterable, List, Optional

from bot.settings import PROJECT_ROOT

INPUTS = (
    "config.yml", "domain.yml", "data", "replies/locales", "knowledge/taxonomy.yml", "bot/components",
    # the place names the city masker reads (bot/name_matching.py) while the intents are learnt
    "knowledge/city_spellings.yml", "knowledge/city_regions.yml",
    # the danger model's lexicon and suicide words (bot/danger_model.py, bot/suicide.py)
    "bot/emergency_words", "bot/suicide_words",
)
# Of the inputs, what Rasa itself reads and hashes into its cache keys (data/safety is the
# danger model's, read by the components).
READ_BY_RASA = ("config.yml", "domain.yml", "data/nlu", "data/rules.yml")
SUFFIX = ".inputs"
_PROJECT_IMPORT = re.compile(r"^\s*from (bot|replies|knowledge)(?:\.(\w+))? import ([\w, ]+)", re.MULTILINE)


def _component_dependencies(root: Path) -> List[Path]:
    """The project modules the pipeline's components import, and the ones those import."""
    found = set()
    pending = sorted((root / "bot" / "components").glob("*.py"))
    while pending:
        source = pending.pop()
        for package, module, names in _PROJECT_IMPORT.findall(source.read_text(encoding="utf-8")):
            candidates = [module] if module else [n.strip() for n in names.split(",")]
            for name in candidates:
                path = root / package / f"{name}.py"
                if name != "components" and path.is_file() and path not in found:
                    found.add(path)
                    pending.append(path)
    return sorted(found)


def _files(root: Path) -> Iterable[Path]:
    for name in INPUTS:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    yield from _component_dependencies(root)


def _digest(root: Path, paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    digest.update(f"rasa {metadata.version('rasa')} python {platform.python_version()}\n".encode())
    for path in paths:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    return _digest(root, _files(root))


def components_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """The inputs but for what Rasa reads itself: the pipeline's code and the files its
    components read (the danger model's data, the lexicons, the catalogue, the place names)."""
    read_by_rasa = [root / name for name in READ_BY_RASA]
    return _digest(root, (path for path in _files(root)
                          if not any(path == rasa or rasa in path.parents for rasa in read_by_rasa)))


def newest_model(models: Path) -> Optional[Path]:
    archives = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return archives[-1] if archives else None


def _record_of(model: Path) -> Path:
    return model.with_name(model.name + SUFFIX)


def up_to_date(models: Path, root: Path = PROJECT_ROOT) -> Optional[Path]:
    """The newest model when it was trained from the inputs as they are now, else None."""
    model = newest_model(models)
    if model is None or not _record_of(model).is_file():
        return None
    return model if _record_of(model).read_text(encoding="utf-8").strip() == fingerprint(root) else None


def record(model: Path, inputs_fingerprint: str) -> None:
    """Remember which inputs `model` was trained from."""
    _record_of(model).write_text(inputs_fingerprint + "\n", encoding="utf-8")


def forget(model: Path) -> None:
    _record_of(model).unlink(missing_ok=True)
