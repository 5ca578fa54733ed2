"""Heartbeats do not flood open pages: a heartbeat that changes nothing a page shows but the last
seen time is news at most every LAST_SEEN_EVENT_EVERY; a change is news at once."""

import pytest

from portal.hosts.models import Host
from portal.hosts.reports import LAST_SEEN_EVENT_EVERY
from portal.ingest.reports import apply_host_report
from tests.portal.clock import T0, at
from tests.portal.hosts.factories import FakeWorker

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    events = []
    monkeypatch.setattr("portal.hosts.reports.publish_host", lambda host, created=False: events.append(created))
    return events


def test_heartbeats_that_change_nothing_shown_are_one_event_per_interval(published, django_capture_on_commit_callbacks):
    worker = FakeWorker("Web 1")
    every = LAST_SEEN_EVENT_EVERY.total_seconds()
    with django_capture_on_commit_callbacks(execute=True):
        apply_host_report(worker.report("hello"), now=T0)
        for second in range(2, int(every * 2) + 1, 2):  # a minute of heartbeats every 2 s
            apply_host_report(worker.report("heartbeat"), now=at(second))

    assert published == [True, False, False]  # the host appeared; two "last seen" refreshes


def test_a_heartbeat_that_changes_what_a_page_shows_is_an_event_at_once(published, django_capture_on_commit_callbacks):
    worker = FakeWorker("Web 1")
    with django_capture_on_commit_callbacks(execute=True):
        apply_host_report(worker.report("hello"), now=T0)
        apply_host_report(worker.report("heartbeat"), now=at(2))
        apply_host_report(worker.report("heartbeat", reachable=False, error="engine gone"), now=at(4))
        apply_host_report(worker.report("heartbeat", containers=7), now=at(6))

    assert published == [True, False, False]


def test_usage_is_stored_each_beat_but_news_only_when_a_percentage_moves_a_point(
    published, django_capture_on_commit_callbacks
):
    worker = FakeWorker("Web 1")  # memory 8 GB (tests/workers/factories.py)
    disk = {"disk_total": 100_000, "memory_available": 4_000_000_000}
    with django_capture_on_commit_callbacks(execute=True):
        apply_host_report(worker.report("hello", usage={**disk, "disk_used": 50_000}), now=T0)
        apply_host_report(worker.report("heartbeat", usage={**disk, "disk_used": 50_400}), now=at(2))
        apply_host_report(worker.report("heartbeat", usage={**disk, "disk_used": 51_200}), now=at(4))
        apply_host_report(worker.report("heartbeat", usage={"memory_available": 4_000_000_000}), now=at(6))

    host = Host.objects.get()
    assert published == [True, False, False]  # appeared; 50 → 51 %; the disk no longer measured
    assert (host.disk_total, host.disk_used, host.disk_percent) == (None, None, None)
    assert host.memory_percent == 50.0


def test_a_worker_that_sends_no_usage_leaves_the_stored_figures(published, django_capture_on_commit_callbacks):
    worker = FakeWorker("Web 1")
    with django_capture_on_commit_callbacks(execute=True):
        apply_host_report(worker.report("hello", usage={"disk_total": 10, "disk_used": 5}), now=T0)
        apply_host_report(worker.report("heartbeat"), now=at(2))
    assert Host.objects.get().disk_percent == 50.0
