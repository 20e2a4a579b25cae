"""Training runs the graph's independent steps side by side; applied by bot/training_progress.py.

Rasa 3.6 runs its graph with dask's synchronous scheduler: one node after the other, on one
core. In IncluBot's graph the two slowest steps, the intent classifier and the danger model,
need the same featurized data and not each other, and both spend their time in scikit-learn's
solvers (saga, liblinear), which let go of Python's lock while they work. Run by dask's thread
scheduler, one fits while the other does, on a second core when there is one.

Each node still gets exactly the inputs it got before, so the model is the same; only the
order in which independent nodes start may differ.
"""
import functools
import os
import types

from bot import rasa_internals

PURPOSE = "training the graph's independent steps side by side"
# Two steps at a time: more would only take turns on Python's lock (the other steps are Python).
WORKERS = 2


def install() -> bool:
    """Make this process's Rasa graph runner use threads; False (and Rasa's own one-by-one
    run) when Rasa's runner is not the code this was written for."""
    import dask.threaded
    from rasa.engine.runner import dask as rasa_dask_runner

    if not rasa_internals.unchanged("rasa.engine.runner.dask:DaskGraphRunner.run", purpose=PURPOSE):
        return False
    workers = min(WORKERS, os.cpu_count() or 1)
    # DaskGraphRunner.run calls `dask.get(graph, targets)`: the same call, made by threads.
    rasa_dask_runner.dask = types.SimpleNamespace(get=functools.partial(dask.threaded.get, num_workers=workers))
    return True
