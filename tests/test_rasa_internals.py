"""Our changes to Rasa's own code (bot/rasa_internals.py) are in effect on the pinned Rasa, and
a change of Rasa's code under one of them is caught: by this test first, and at run time by
leaving that change out rather than running it on code it was not written for."""
import asyncio
import logging

import pytest
from rasa.core.actions import action
from rasa.core.actions.action import RemoteAction
from rasa.engine.runner import dask as rasa_dask_runner
from rasa.engine.storage import local_model_storage
from rasa.engine.training import graph_trainer
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils import validation

from bot import (
    deadlines, rasa_internals, rasa_speedups, training_archive, training_fingerprints, training_nlu_data,
    training_progress, training_schema_checks, training_threads,
)
from bot.servers import PROJECT_ROOT
from bot.tracker_store import ScrubbingTrackerStore


def test_rasa_code_under_each_of_our_changes_is_the_code_it_was_written_for():
    assert rasa_internals.changed() == [], (
        "Rasa's code changed under these; read the change of ours that names each "
        "(bot/rasa_internals.py) before recording its new fingerprint"
    )


def test_every_change_is_in_effect_on_the_pinned_rasa(monkeypatch):
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    deadlines.bound_action_calls()
    assert action.DEFAULT_REQUEST_TIMEOUT == deadlines.ACTION_CALL_S

    def installed(change, owner, name):
        """Rasa's owner.name, and what it is once change.install() said it applied (Rasa's
        is put back after the test)."""
        rasas = getattr(owner, name)
        monkeypatch.setattr(owner, name, rasas)
        assert change.install()
        return rasas, getattr(owner, name)

    rasas, ours = installed(training_progress, graph_trainer, "LoggingHook")
    assert issubclass(ours, rasas) and ours is not rasas
    monkeypatch.setattr(Features, "fingerprint", Features.fingerprint)
    _, ours = installed(training_fingerprints, Message, "fingerprint")
    assert ours is training_fingerprints._message_fingerprint
    assert Features.fingerprint is training_fingerprints._features_fingerprint
    _, ours = installed(training_schema_checks, validation, "validate_yaml_schema")
    assert ours is training_schema_checks.validate_yaml_schema
    rasas, ours = installed(training_threads, rasa_dask_runner, "dask")
    assert ours is not rasas
    rasas, ours = installed(training_nlu_data, RasaFileImporter, "get_nlu_data")
    assert ours is not rasas
    rasas, ours = installed(training_archive, local_model_storage, "TarSafe")
    assert issubclass(ours, rasas) and ours is not rasas


@pytest.fixture
def rasa_changed_under(monkeypatch):
    """Pretend Rasa's code changed under the given names."""
    def change(*names):
        for name in names:
            assert name in rasa_internals.FINGERPRINTS
            monkeypatch.setitem(rasa_internals.CHECKED, name, True)  # as a differing fingerprint reads
    yield change


def test_a_change_of_rasa_code_leaves_ours_out_and_says_so(rasa_changed_under, monkeypatch, caplog):
    rasa_changed_under("rasa.core.actions.action:RemoteAction.run")
    monkeypatch.setattr(action, "DEFAULT_REQUEST_TIMEOUT", 300)
    with caplog.at_level(logging.ERROR):
        deadlines.bound_action_calls()
    assert action.DEFAULT_REQUEST_TIMEOUT == 300
    assert "RemoteAction.run" in caplog.text and "the action server's deadline" in caplog.text

    rasa_changed_under("rasa.engine.training.hooks:LoggingHook")
    assert not training_progress.install()

    # each training change, the Rasa code under it, and what it would replace
    for change, rasa_code, owner, attribute in [
        (training_fingerprints, "rasa.shared.nlu.training_data.message:Message.fingerprint", Message, "fingerprint"),
        (training_schema_checks, "rasa.shared.utils.validation:validate_yaml_schema", validation, "validate_yaml_schema"),
        (training_threads, "rasa.engine.runner.dask:DaskGraphRunner.run", rasa_dask_runner, "dask"),
        (training_nlu_data, "rasa.shared.importers.importer:CombinedDataImporter.get_nlu_data",
         RasaFileImporter, "get_nlu_data"),
        (training_archive, "rasa.engine.storage.local_model_storage:LocalModelStorage.create_model_package",
         local_model_storage, "TarSafe"),
    ]:
        rasas = getattr(owner, attribute)
        rasa_changed_under(rasa_code)
        assert not change.install(), change.__name__
        assert getattr(owner, attribute) is rasas, change.__name__


def test_the_tracker_store_falls_back_to_rasas_retrieval_and_still_finds_the_conversation(
        rasa_changed_under, tmp_path, monkeypatch):
    monkeypatch.setenv("INCLUBOT_CONVERSATION_KEY", "test-key")
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    events = [ActionExecuted("action_listen"),
              UserUttered("I need a doctor", intent={"name": "health", "confidence": 0.9}),
              ActionExecuted("action_listen")]
    asyncio.run(ScrubbingTrackerStore(domain=domain, host=url).save(
        DialogueStateTracker.from_events("rest:u1", events, domain.slots)))

    rasa_changed_under("rasa.core.tracker_store:SQLTrackerStore._retrieve")
    store = ScrubbingTrackerStore(domain=domain, host=url)
    assert not store._own_retrieval
    restored = asyncio.run(store.retrieve("rest:u1"))
    assert restored.latest_message.intent["name"] == "health"
