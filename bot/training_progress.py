"""`rasa train`, telling a newcomer how far it is: "training the language model: 3/7 …".

Rasa trains the graph's components one after the other and logs each start at INFO level,
without a count. `python -m bot.training_progress ARGS…` runs `rasa train ARGS…` with a hook
that knows, from the graph Rasa is about to run, how many components will train (the others
come from Rasa's cache), and prints one PROGRESS line per component on stdout.
`inclubot train` shows those lines and writes everything else to var/log/train.log.
"""
import sys
import threading
from typing import Optional

PREFIX = "PROGRESS "


def parse(line: str) -> Optional[str]:
    """The progress text of a line of the training's output, or None for a log line."""
    return line[len(PREFIX):].rstrip("\n") if line.startswith(PREFIX) else None


def _counting_hook():
    from rasa.core.policies.policy import Policy
    from rasa.engine.training.hooks import LoggingHook

    class CountingHook(LoggingHook):
        """Rasa's logging hook, plus "n/total" for each component that trains."""

        def __init__(self, pruned_schema) -> None:
            super().__init__(pruned_schema)
            self.total = sum(1 for node in pruned_schema.nodes.values() if self._trains(node))
            self.done = 0
            self._counting = threading.Lock()  # steps may start side by side (bot/training_threads.py)

        def _trains(self, node) -> bool:
            return self._does_node_train(node) and not self._is_cached_node(node)

        def on_before_node(self, node_name, execution_context, config, received_inputs):
            node = self._pruned_schema.nodes[node_name]
            if self._trains(node):
                with self._counting:
                    self.done += 1
                    what = "the dialogue" if issubclass(node.uses, Policy) else "the language model"
                    # One write, the line's end with it: print's two writes let the log line
                    # of a step running beside this one land in between.
                    sys.stdout.write(f"{PREFIX}training {what}: {self.done}/{self.total} ({node.uses.__name__}) …\n")
                    sys.stdout.flush()
            return super().on_before_node(node_name, execution_context, config, received_inputs)

    return CountingHook


def install() -> bool:
    """Put the counting hook where Rasa's trainer takes its logging hook from; False (and
    plain Rasa training, without a count) when Rasa is not the version it was written for."""
    from rasa.engine.training import graph_trainer

    from bot import rasa_internals

    if not rasa_internals.unchanged("rasa.engine.training.hooks:LoggingHook", purpose="the training's step count"):
        return False
    graph_trainer.LoggingHook = _counting_hook()
    return True


def main() -> None:
    from bot import (
        training_archive, training_fingerprints, training_nlu_data, training_schema_checks, training_threads,
    )

    training_archive.install()
    training_fingerprints.install()
    training_nlu_data.install()
    training_schema_checks.install()
    training_threads.install()
    if not install():
        print(f"{PREFIX}training the model (no step count with this Rasa) …", flush=True)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "train", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
