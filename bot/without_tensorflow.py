"""The Rasa server without TensorFlow: 400 MB of its memory that IncluBot's model never uses.

Rasa 3.6 imports TensorFlow in every process, for its neural components (DIET, TED, response
selection, ConveRT and language-model featurizers): `rasa.utils.train_utils`, which the
dialogue policies import, imports two modules that subclass Keras classes when they are
imported, and the validator that every model's graph names imports the neural components
themselves. IncluBot's model (config.yml) has none of them; `import tensorflow` alone was
416 MB of the server's 775 MB after start-up.

So, in the server (bot/rasa_command.py) and the test processes (tests/conftest.py), and only
when config.yml names no neural component: `import tensorflow` fails, as if it were not
installed (spaCy and thinc then run without it, as they do anywhere), and the modules in
STAND_INS are replaced by classes of the same names that cannot be created. Training
(`rasa train`) keeps TensorFlow. Applied only on the Rasa version and code it was written for
(bot/rasa_internals.py). The action server, which runs no Rasa code that needs it, only
refuses the import (refuse_tensorflow_imports, bot/action_server_command.py).
"""
import importlib.abc
import logging
import sys
import types
from pathlib import Path
from typing import Iterable

import yaml

from bot import rasa_internals
from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

# Rasa 3.6's components that run on TensorFlow.
NEURAL_COMPONENTS = frozenset({
    "DIETClassifier", "TEDPolicy", "UnexpecTEDIntentPolicy", "ResponseSelector", "ConveRTFeaturizer",
    "LanguageModelFeaturizer",
})
# The modules the server imports that need TensorFlow, and the classes it takes from them:
# train_utils (on the way to the policies) takes the first two; the recipe's validator,
# which every model's graph names, takes the neural components' classes to compare with.
STAND_INS = {
    "rasa.utils.tensorflow.callback": ("RasaTrainingLogger", "RasaModelCheckpoint"),
    "rasa.utils.tensorflow.data_generator": ("RasaDataGenerator", "RasaBatchDataGenerator"),
    "rasa.nlu.classifiers.diet_classifier": ("DIETClassifier",),
    "rasa.nlu.selectors.response_selector": ("ResponseSelector",),
    "rasa.core.policies.ted_policy": ("TEDPolicy",),
    "rasa.core.policies.unexpected_intent_policy": ("UnexpecTEDIntentPolicy",),
}
IMPORTERS = ("rasa.utils.train_utils", "rasa.graph_components.validators.default_recipe_validator")
PURPOSE = "the server without TensorFlow"


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith(("tensorflow.", "tensorflow_")):
            raise ModuleNotFoundError(f"No module named {name!r} (IncluBot's server runs without TensorFlow)", name=name)
        return None


def _stand_in(module_name: str, class_names: Iterable[str]) -> types.ModuleType:
    module = types.ModuleType(module_name, "Stands in for a module that needs TensorFlow (bot/without_tensorflow.py).")

    def refuse(self, *args, **kwargs):
        raise RuntimeError("this Rasa server runs without TensorFlow (bot/without_tensorflow.py)")

    for name in class_names:
        setattr(module, name, type(name, (), {"__init__": refuse, "__module__": module_name}))
    return module


def neural_components(config_file: Path) -> set:
    """The neural components config.yml names (all of them when it names no policies or no
    pipeline, which Rasa then fills in with TED and DIET among others, or cannot be read)."""
    try:
        config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set(NEURAL_COMPONENTS)  # not known: TensorFlow stays
    parts = [config.get("pipeline"), config.get("policies")]
    if not all(parts):
        return set(NEURAL_COMPONENTS)
    names = {str(item.get("name", "")).rsplit(".", 1)[-1] for part in parts for item in part if isinstance(item, dict)}
    return names & NEURAL_COMPONENTS


def keep_tensorflow_out(config_file: Path = PROJECT_ROOT / "config.yml") -> bool:
    """Make this process run Rasa without TensorFlow; True when that was done. Call it before
    anything imports Rasa's policies (or TensorFlow itself)."""
    if "tensorflow" in sys.modules:
        return False
    needed = neural_components(config_file)
    if needed:
        logger.info("TensorFlow is loaded: config.yml uses %s", ", ".join(sorted(needed)))
        return False
    if not rasa_internals.unchanged(*(f"{module}:" for module in (*STAND_INS, *IMPORTERS)), purpose=PURPOSE):
        return False
    refuse_tensorflow_imports()
    for module_name, class_names in STAND_INS.items():
        sys.modules[module_name] = _stand_in(module_name, class_names)
    return True


def refuse_tensorflow_imports() -> None:
    """From now on `import tensorflow` fails in this process, as if it were not installed."""
    if not any(isinstance(finder, _NoTensorFlow) for finder in sys.meta_path):
        sys.meta_path.insert(0, _NoTensorFlow())
