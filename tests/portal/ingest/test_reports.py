"""The door for host reports: a report not shaped like one is invalid, whatever its kind."""

import pytest

from portal.hosts.choices import HostStatus
from portal.hosts.models import Host
from portal.ingest.reports import InvalidReport, Outcome, apply_host_report
from tests.portal.clock import T0
from tests.portal.hosts.factories import FakeWorker

pytestmark = pytest.mark.django_db


def _without(key):
    report = FakeWorker().report("hello")
    del report[key]
    return report


def _with(**changes):
    return {**FakeWorker().report("hello"), **changes}


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (None, "report is a NoneType, not an object"),
        ("hello", "report is a str, not an object"),
        ([1, 2], "report is a list, not an object"),
        ({}, "report lacks kind, host, name, instance, seq"),
        (_without("instance"), "report lacks instance"),
        (_without("seq"), "report lacks seq"),
        (_with(host=""), "report lacks host"),
        (_with(kind="explode"), "unknown report kind 'explode'"),
        (_with(seq="7"), "report seq is not an integer"),
        (_with(seq=7.5), "report seq is not an integer"),
        (_with(host={"slug": "web-1"}), "report host, name and instance must be text"),
        (_with(instance=["a"]), "report host, name and instance must be text"),
        (_with(host="Web 1"), "report host 'Web 1' is not a host slug"),
        (_with(host="!!!"), "report host '!!!' is not a host slug"),
        (_with(engine="up"), "report engine is not an object"),
        (_with(worker=["box-a"]), "report worker is not an object"),
        (_with(engine={"reachable": True, "info": "fine"}), "report engine info is not an object"),
        (_with(engine={"reachable": True, "info": {"cpus": "lots"}}), "has a count that is not an integer"),
    ],
)
def test_a_malformed_report_is_invalid_and_creates_no_host(report, message):
    with pytest.raises(InvalidReport) as raised:
        apply_host_report(report, now=T0)

    assert message in str(raised.value)

    assert not Host.objects.exists()


@pytest.mark.parametrize("name", ["web-1", "Build Box 02", "a" * 59 + " b", "x" * 80])
def test_every_name_a_worker_accepts_is_accepted_here(name):
    # host_slug may cut a long name to a slug ending in a dash: the portal must take that too
    worker = FakeWorker(name)

    assert apply_host_report(worker.report("hello"), now=T0) is Outcome.APPLIED

    assert Host.objects.get(slug=worker.reporter.identity.slug).status == HostStatus.ONLINE
