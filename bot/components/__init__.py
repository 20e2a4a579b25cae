"""The project's own Rasa pipeline components."""
from typing import Any, Dict, Optional

from bot import training_inputs


class TrainedFromProjectFiles:
    """Rasa keys its training cache by a component's class source, configuration and inputs;
    the modules the class calls and the files it reads count too (one key for all of ours), so
    that a cache shared by the checkouts on a machine never hands out a component that other
    code or other data made."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return training_inputs.components_fingerprint()
