"""The parts of Rasa's own code that IncluBot replaces or builds on, and the check that they are
still the code those changes were written against.

Rasa's private functions change without notice between releases. Each change of ours names
the Rasa functions under it and asks `unchanged(...)` before it applies; when Rasa is not the
version below, or the source of one of those functions differs from its fingerprint, the
change is not applied (or, where there is no safe way back, an error is logged), and
tests/test_rasa_internals.py fails naming the function, so that whoever upgrades Rasa reads
that change again before recording the new fingerprint.
"""
import hashlib
import importlib
import inspect
import logging
from functools import lru_cache
from typing import List

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"

# "module:qualified name" -> the first 16 hex digits of sha256(its source) in RASA_VERSION.
FINGERPRINTS = {
    # bot/rasa_speedups.py replaces these two
    "rasa.core.actions.action:RemoteAction._validate_action_result": "f8cdb4be68123961",
    "rasa.shared.core.events:Event.resolve_by_type": "b5cf570fa7f286c7",
    # bot/deadlines.py sets the timeout this reads from a module constant
    "rasa.core.actions.action:RemoteAction.run": "ccabf6f1160d527a",
    # bot/tracker_store.py: remakes the engine __init__ made, narrows the query, replaces
    # retrieval and saving
    "rasa.core.tracker_store:SQLTrackerStore.__init__": "64e704d159dfa35b",
    "rasa.core.tracker_store:SQLTrackerStore._event_query": "cd44f7901b860bfd",
    "rasa.core.tracker_store:SQLTrackerStore._retrieve": "c8adbf6f4b61ddd1",
    "rasa.core.tracker_store:SQLTrackerStore.save": "57165e46eab3de08",
    # bot/channels/socketio.py: replaces handlers that blueprint registers; readdresses sends
    "rasa.core.channels.socketio:SocketIOInput.blueprint": "1246d69fa05c3b1f",
    "rasa.core.channels.socketio:SocketIOOutput._send_message": "7e650a5b43f28180",
    # bot/training_progress.py: subclasses the training's logging hook
    "rasa.engine.training.hooks:LoggingHook": "e4c236f3dca9f893",
}


def fingerprint(name: str) -> str:
    """The fingerprint of the installed Rasa's code for a FINGERPRINTS name ("" if it is gone)."""
    module_name, qualified_name = name.split(":")
    try:
        found = importlib.import_module(module_name)
        for part in qualified_name.split("."):
            found = getattr(found, part)
        source = inspect.getsource(found)
    except (ImportError, AttributeError, OSError, TypeError):
        return ""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=None)
def changed() -> List[str]:
    """The names whose code is not the code our changes were written against."""
    import rasa

    if rasa.__version__ != RASA_VERSION:
        return sorted(FINGERPRINTS)
    return [name for name, expected in sorted(FINGERPRINTS.items()) if fingerprint(name) != expected]


def unchanged(*names: str, purpose: str) -> bool:
    """True when every named function is the code it was in RASA_VERSION; otherwise logs
    which change of ours (purpose) is left out and returns False."""
    unknown = [name for name in names if name not in FINGERPRINTS]
    if unknown:
        raise KeyError(f"no fingerprint for {unknown}")
    differing = [name for name in names if name in changed()]
    if differing:
        logger.error("Rasa's code under %s is not that of Rasa %s (%s): left out",
                     purpose, RASA_VERSION, ", ".join(differing))
    return not differing
