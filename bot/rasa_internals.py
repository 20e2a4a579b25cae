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
import importlib.util
import inspect
import logging
from pathlib import Path
from typing import Dict, List

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
    # bot/training_fingerprints.py: a message written once as JSON, a matrix hashed as bytes
    "rasa.shared.nlu.training_data.features:Features.fingerprint": "d9feec4d68d43334",
    "rasa.shared.nlu.training_data.message:Message.fingerprint": "82b38330479ee1d0",
    # bot/training_schema_checks.py: checks on the fast parse first, Rasa's own when they fail
    "rasa.shared.utils.validation:validate_yaml_schema": "e039106753a595c2",
    # bot/training_threads.py: the graph runner's dask.get made by threads
    "rasa.engine.runner.dask:DaskGraphRunner.run": "45f0f52f574f3aa9",
    # bot/training_archive.py: the archive written at gzip's fastest level
    "rasa.engine.storage.local_model_storage:LocalModelStorage.create_model_package": "160e32783576d3df",
    # bot/training_nlu_data.py: the NLU files' data kept for the process; its caller copies it
    "rasa.shared.importers.rasa:RasaFileImporter.get_nlu_data": "bf36b78f020b7e50",
    "rasa.shared.importers.importer:CombinedDataImporter.get_nlu_data": "d6157268910b27e8",
    # bot/without_tensorflow.py: stands in for these whole modules, which import TensorFlow,
    "rasa.utils.tensorflow.callback:": "745cf6fe393d9fcb",
    "rasa.utils.tensorflow.data_generator:": "9d766a17c1ef507e",
    "rasa.nlu.classifiers.diet_classifier:": "ca5e35c7a0305dc8",
    "rasa.nlu.selectors.response_selector:": "590eaebc09468902",
    "rasa.core.policies.ted_policy:": "fcb8b8dcd4be8825",
    "rasa.core.policies.unexpected_intent_policy:": "f8b55cdce418f5ec",
    # and takes from them only what these import
    "rasa.utils.train_utils:": "7ae337d7a78d2c16",
    "rasa.graph_components.validators.default_recipe_validator:": "89f0cddf9c8a6f75",
}


def fingerprint(name: str) -> str:
    """The fingerprint of the installed Rasa's code for a FINGERPRINTS name ("" if it is gone).
    A name with nothing after the colon is a whole module, read without running it (it may
    import what its caller keeps out: bot/without_tensorflow.py)."""
    module_name, qualified_name = name.split(":")
    try:
        if not qualified_name:
            source = Path(importlib.util.find_spec(module_name).origin).read_text(encoding="utf-8")
        else:
            found = importlib.import_module(module_name)
            for part in qualified_name.split("."):
                found = getattr(found, part)
            source = inspect.getsource(found)
    except (ImportError, AttributeError, OSError, TypeError):
        return ""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


# name -> whether Rasa's code differs, read once: before our change replaces that code.
CHECKED: Dict[str, bool] = {}


def differs(name: str) -> bool:
    if name not in CHECKED:
        import rasa

        CHECKED[name] = rasa.__version__ != RASA_VERSION or fingerprint(name) != FINGERPRINTS[name]
    return CHECKED[name]


def changed() -> List[str]:
    """The names whose code is not the code our changes were written against."""
    return [name for name in sorted(FINGERPRINTS) if differs(name)]


def unchanged(*names: str, purpose: str) -> bool:
    """True when every named function is the code it was in RASA_VERSION; otherwise logs
    which change of ours (purpose) is left out and returns False. Only the named code is
    read (and its modules imported)."""
    unknown = [name for name in names if name not in FINGERPRINTS]
    if unknown:
        raise KeyError(f"no fingerprint for {unknown}")
    differing = [name for name in names if differs(name)]
    if differing:
        logger.error("Rasa's code under %s is not that of Rasa %s (%s): left out",
                     purpose, RASA_VERSION, ", ".join(differing))
    return not differing
