"""Training runs the graph's independent steps side by side (bot/training_threads.py), and the
steps that need another's output still wait for it."""
import threading

import pytest
from rasa.engine.runner import dask as rasa_dask_runner

from bot import training_threads


@pytest.fixture
def threaded_runner():
    rasas_dask = rasa_dask_runner.dask
    assert training_threads.install()
    yield rasa_dask_runner.dask.get
    rasa_dask_runner.dask = rasas_dask


def test_two_steps_that_need_the_same_data_run_at_the_same_time(threaded_runner):
    # Each fit waits until the other has started: run one after the other, the first would wait in vain.
    both_started = threading.Barrier(2, timeout=30)

    def fit(data, name):
        both_started.wait()
        return f"{name} on {data}"

    # (a task's arguments that name a key are that key's output)
    graph = {"data": (str.upper, "featurized"), "intents": (fit, "data", "intent model"), "danger": (fit, "data", "danger model")}
    assert threaded_runner(graph, ["intents", "danger"]) == ("intent model on FEATURIZED", "danger model on FEATURIZED")


def test_a_step_gets_the_output_of_the_step_it_needs(threaded_runner):
    order = []

    def step(name, needed=None):
        order.append(name)
        return f"{name}({needed})" if needed else name

    graph = {"load": (step, "loading"), "featurize": (step, "featurizing", "load"), "fit": (step, "fitting", "featurize")}
    assert threaded_runner(graph, ["fit"]) == ("fitting(featurizing(loading))",)
    assert order == ["loading", "featurizing", "fitting"]
