"""The name claim in Redis decides which worker's reports a host accepts."""

import json

import pytest

from portal.hosts.broker import _redis, request_inventory_resync
from portal.hosts.models import Host
from portal.ingest.reports import Outcome, apply_host_report
from tests.portal.clock import T0, at
from tests.portal.hosts.factories import FakeWorker
from wire.names import claim_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims():
    """Sets web-1's claim as a worker would, and removes it afterwards."""
    client = _redis()

    def hold(worker: FakeWorker):
        client.set(claim_key("web-1"), json.dumps({"instance": worker.instance, "machine": "box"}), ex=30)

    yield hold
    client.delete(claim_key("web-1"), "berth:inventory-resync:web-1")


def test_a_restarted_worker_that_holds_the_name_takes_over_before_the_dead_one_is_overdue(claims):
    # Given a worker killed without a goodbye, still within its liveness window
    dead = FakeWorker(machine="box-a")
    apply_host_report(dead.report("hello"), now=T0)

    # When its successor, which now holds the name claim, says hello a second later
    successor = FakeWorker(machine="box-a")
    claims(successor)
    outcome = apply_host_report(successor.report("hello"), now=at(1))

    # Then the host is the successor's at once, and the dead worker's late reports are refused
    assert outcome is Outcome.APPLIED
    assert Host.objects.get(slug="web-1").worker_instance == successor.instance
    assert apply_host_report(dead.report("heartbeat"), now=at(2)) is Outcome.REFUSED


def test_a_worker_that_does_not_hold_the_claimed_name_is_refused_even_when_the_host_looks_offline(claims):
    holder = FakeWorker(machine="box-a")
    claims(holder)

    outcome = apply_host_report(FakeWorker(machine="box-b").report("hello"), now=T0)

    assert outcome is Outcome.REFUSED


def test_a_resync_request_is_sent_at_most_once_in_a_while(claims, monkeypatch):
    sent = []
    monkeypatch.setattr("portal.celery.app.send_task", lambda name, **kw: sent.append((name, kw["queue"])))

    first = request_inventory_resync("web-1")
    second = request_inventory_resync("web-1")
    forced = request_inventory_resync("web-1", force=True)  # a new portal worker's, at its start

    assert (first, second, forced) == (True, False, True)
    assert sent == [("berth.host.inventory_resync", "host.web-1")] * 2
