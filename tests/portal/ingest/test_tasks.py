import pytest

from portal.hosts.models import Host
from portal.ingest.tasks import REPORT_TASK, host_report
from tests.portal.hosts.factories import FakeWorker, enrolled_worker
from wire.keys import HostKeys
from wire.names import REPORT_TASK as WORKER_REPORT_TASK

# transaction=True: the task closes stale connections, which must not break a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_task_name_is_the_one_host_workers_send():
    assert host_report.name == REPORT_TASK == WORKER_REPORT_TASK


def _hello_with(**changes):
    return {**FakeWorker("Web 1").report("hello"), **changes}


@pytest.mark.parametrize(
    "report",
    [
        "hello",
        None,
        {"kind": "hello"},
        {"kind": "boom", "host": "x"},
        _hello_with(engine="up"),
        _hello_with(worker="box-a"),
        _hello_with(engine={"reachable": True, "info": {"memory": "8G"}}),
        _hello_with(host="Not A Slug!"),
        {**FakeWorker("Web 1").reporter.build("inventory"), "inventory": {"observed_seq": "one"}},
    ],
)
def test_a_malformed_report_is_dropped_as_invalid_without_raising(report):
    assert host_report(report) == "invalid"
    assert not Host.objects.exists()


def test_a_report_is_applied_and_its_outcome_returned():
    worker = enrolled_worker("Web 1")

    assert host_report(**worker.signed("hello")) == "applied"
    assert host_report(**worker.signed("hello", seq=1)) == "stale"
    assert Host.objects.get(slug="web-1").status == "online"


def test_a_report_not_signed_by_the_host_it_names_is_dropped_and_shown_on_that_host():
    enrolled_worker("Web A")
    victim = enrolled_worker("Web B")
    intruder_keys = HostKeys.generate()
    forged = FakeWorker("Web B", machine="box-a", keys=intruder_keys)

    assert host_report(**forged.signed("hello")) == "forged"
    assert host_report(victim.report("hello")) == "forged"  # unsigned
    assert host_report(**FakeWorker("Web C", keys=intruder_keys).signed("hello")) == "forged"  # unknown host

    host = Host.objects.get(slug="web-b")
    assert host.status == "unknown" and not host.worker_instance
    assert "report in this host's name was dropped" in host.forged_report and host.forged_report_at
    assert not Host.objects.filter(slug="web-c").exists()
    assert host_report(**victim.signed("hello")) == "applied"
