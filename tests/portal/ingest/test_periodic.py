"""The portal worker's periodic jobs: one list, run at their pace by one step."""

import threading

import pytest
from kombu.utils.imports import symbol_by_name

from portal.alerts.detect import settle_restart_loops
from portal.alerts.firing import send_summaries
from portal.alerts.partly_down import judge_partly_down
from portal.alerts.tasks import kick_due_deliveries
from portal.celery import app
from portal.hosts import liveness
from portal.hosts.choices import HostStatus
from portal.hosts.liveness import mark_lost_hosts
from portal.ingest import inventory, periodic
from portal.ingest.housekeeping import purge_tombstones
from portal.operations.liveness import fail_lost_operations
from portal.stacks.tasks import kick_due_polls
from portal.terminals.housekeeping import end_orphaned_sessions, purge_recordings
from tests.portal.factories import make_host, make_online_host


def test_the_worker_loads_the_step_by_the_name_the_celery_app_gives():
    assert periodic.PeriodicJobsStep in {symbol_by_name(step) for step in app.steps["worker"]}


def test_the_liveness_watches_the_housekeeping_alerts_and_git_polls_are_the_jobs():
    assert [run for run, _ in periodic.JOBS] == [
        mark_lost_hosts,
        fail_lost_operations,
        purge_tombstones,
        purge_recordings,
        end_orphaned_sessions,
        kick_due_deliveries,
        send_summaries,
        settle_restart_loops,
        kick_due_polls,
        judge_partly_down,
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


@pytest.mark.django_db
def test_given_a_killed_portal_worker_when_the_next_starts_then_every_online_host_is_asked_for_a_full_inventory(
    monkeypatch,
):
    """A SIGKILLed portal worker loses the reports it had taken from the queue: its successor
    asks each online host for a snapshot instead of waiting a minute for the next reconcile."""
    make_online_host("web-1")
    make_online_host("web-2")
    make_host("gone", status=HostStatus.OFFLINE)
    asked = []
    monkeypatch.setattr(
        inventory, "request_inventory_resync", lambda slug, force=False: asked.append((slug, force)) or True
    )

    assert inventory.resync_online_hosts() == 2
    # Forced: an ask its predecessor made a moment ago was answered to the predecessor.
    assert sorted(asked) == [("web-1", True), ("web-2", True)]


def test_given_redis_away_then_back_when_the_watch_runs_then_nobody_is_judged_lost_until_heartbeats_had_time(
    settings,
):
    """Redis stopped 10 s: the portal heard no heartbeat, marked the host offline and failed the
    operation it was running, which in fact succeeded. Silence the portal could not hear is no death."""
    settings.BERTH_HOST_OFFLINE_AFTER = 8
    clock = [100.0]
    answers = [True]
    hearing = liveness.Hearing(lambda: answers[0], clock=lambda: clock[0])

    heard_before = hearing()
    answers[0] = False
    during = hearing()
    answers[0] = True
    clock[0] += 3
    just_after = hearing()
    clock[0] += 6
    later = hearing()

    assert (heard_before, during, just_after, later) == (True, False, False, True)
    assert {mark_lost_hosts, fail_lost_operations} == periodic.JUDGE_SILENCE


def test_given_a_stalled_consumer_the_periodic_step_ends_the_worker(monkeypatch, settings):
    settings.BERTH_LIVENESS_CHECK_EVERY = 0.01
    ended = threading.Event()
    monkeypatch.setattr(periodic, "JOBS", ())
    monkeypatch.setattr(periodic, "resync_online_hosts", lambda: 0)
    monkeypatch.setattr(periodic, "end_this_worker", ended.set)
    step = periodic.PeriodicJobsStep(None)
    step.hearing = lambda: True
    step.consuming = lambda: True

    step.start(None)
    try:
        assert ended.wait(5)
    finally:
        step.stop(None)
