import pytest

from portal.hosts.models import Host
from portal.ingest.tasks import REPORT_TASK, host_report
from tests.portal.hosts.factories import FakeWorker
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
    worker = FakeWorker("Web 1")

    assert host_report(worker.report("hello")) == "applied"
    assert host_report(worker.report("hello", seq=1)) == "stale"
    assert Host.objects.get(slug="web-1").status == "online"
