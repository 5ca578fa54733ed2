"""The portal worker's periodic jobs: one list, run at their pace by one step."""

import threading

from kombu.utils.imports import symbol_by_name

from portal.celery import app
from portal.hosts.liveness import mark_lost_hosts
from portal.ingest import periodic
from portal.ingest.housekeeping import purge_tombstones
from portal.operations.liveness import fail_lost_operations
from portal.terminals.housekeeping import end_orphaned_sessions, purge_recordings


def test_the_worker_loads_the_step_by_the_name_the_celery_app_gives():
    assert periodic.PeriodicJobsStep in {symbol_by_name(step) for step in app.steps["worker"]}


def test_the_liveness_watches_and_the_housekeeping_are_the_jobs():
    assert [run for run, _ in periodic.JOBS] == [
        mark_lost_hosts,
        fail_lost_operations,
        purge_tombstones,
        purge_recordings,
        end_orphaned_sessions,
    ]


def test_given_a_failing_job_the_others_still_run(monkeypatch, settings):
    settings.BERTH_LIVENESS_CHECK_EVERY = 0.01
    ran = threading.Event()

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(periodic, "JOBS", ((broken, None), (ran.set, None)))
    monkeypatch.setattr(periodic, "close_old_connections", lambda: None)
    step = periodic.PeriodicJobsStep(None)

    step.start(None)
    try:
        assert ran.wait(5)
    finally:
        step.stop(None)
