"""apply_host_report: reports from host workers, applied in order and by the portal's clock."""

import pytest

from portal.hosts.choices import HostStatus
from portal.hosts.models import Host
from portal.ingest.reports import Outcome, apply_host_report
from tests.portal.clock import T0, at
from tests.portal.hosts.factories import DOCKER_HOST, FakeWorker

pytestmark = pytest.mark.django_db

OFFLINE_AFTER = 8


@pytest.fixture(autouse=True)
def offline_after(settings):
    settings.BERTH_HOST_OFFLINE_AFTER = OFFLINE_AFTER


def web_1() -> Host:
    return Host.objects.get(slug="web-1")


def test_hello_creates_an_online_host_with_the_engine_facts():
    worker = FakeWorker("Web 1", machine="box-a", engine_id="ENGINE:ONE")

    outcome = apply_host_report(worker.report("hello"), now=T0)

    assert outcome is Outcome.APPLIED
    host = web_1()
    assert host.name == "Web 1"
    assert host.status == HostStatus.ONLINE
    assert host.last_seen == T0
    assert host.online_since == T0
    assert host.engine_reachable is True
    assert host.engine_error == ""
    assert host.engine_id == "ENGINE:ONE"
    assert (host.engine_version, host.api_version) == ("20.10.24", "1.41")
    assert (host.os, host.kernel, host.arch) == ("Debian GNU/Linux 12", "6.1.0", "x86_64")
    assert (host.cpus, host.memory) == (4, 8_000_000_000)
    assert (host.container_count, host.running_count, host.image_count) == (2, 1, 3)
    assert host.worker_instance == worker.instance
    assert host.worker_machine == "box-a"
    assert host.docker_host == DOCKER_HOST


def test_a_host_registered_beforehand_keeps_its_name_when_its_worker_joins():
    Host.objects.create(slug="web-1", name="Frontend web server")

    apply_host_report(FakeWorker("Web 1").report("hello"), now=T0)

    host = web_1()
    assert host.name == "Frontend web server"
    assert host.status == HostStatus.ONLINE


def test_heartbeats_move_last_seen_by_the_portal_clock_not_the_hosts():
    worker = FakeWorker()
    apply_host_report(worker.report("hello"), now=T0)

    apply_host_report(worker.report(), now=at(2))

    host = web_1()
    assert host.last_seen == at(2)
    assert host.online_since == T0


@pytest.mark.parametrize("replayed_seq", [2, 1], ids=["duplicate", "older"])
def test_a_stale_report_is_ignored_and_changes_nothing(replayed_seq):
    # Given a host that applied reports 1 and 2 of its worker
    worker = FakeWorker()
    apply_host_report(worker.report("hello", seq=1), now=T0)
    apply_host_report(worker.report(seq=2), now=at(1))

    # When an earlier report arrives late, saying something else
    late = worker.report(seq=replayed_seq, reachable=False, error="gone", engine_version="99.0")
    outcome = apply_host_report(late, now=at(2))

    # Then it is stale and the host is as it was
    assert outcome is Outcome.STALE
    host = web_1()
    assert host.last_seen == at(1)
    assert host.engine_version == "20.10.24"
    assert host.engine_reachable is True
    assert host.last_seq == 2


def test_goodbye_marks_the_host_offline():
    worker = FakeWorker()
    apply_host_report(worker.report("hello"), now=T0)

    outcome = apply_host_report(worker.report("goodbye"), now=at(1))

    assert outcome is Outcome.APPLIED
    host = web_1()
    assert host.status == HostStatus.OFFLINE
    assert host.current_status == HostStatus.OFFLINE
    assert host.online_since is None


def test_a_host_that_said_goodbye_comes_back_online_with_a_new_worker():
    first = FakeWorker()
    apply_host_report(first.report("hello"), now=T0)
    apply_host_report(first.report("goodbye"), now=at(1))

    second = FakeWorker()
    outcome = apply_host_report(second.report("hello"), now=at(2))

    assert outcome is Outcome.APPLIED
    host = web_1()
    assert host.status == HostStatus.ONLINE
    assert host.worker_instance == second.instance
    assert host.online_since == at(2)


def test_a_second_worker_is_refused_while_the_first_is_online():
    # Given web-1 served by a worker on box-a
    first = FakeWorker(machine="box-a", engine_id="ENGINE:ONE")
    apply_host_report(first.report("hello"), now=T0)

    # When a worker on another machine reports under the same name
    intruder = FakeWorker(machine="box-b", engine_id="ENGINE:TWO")
    outcome = apply_host_report(intruder.report("hello", engine_version="24.0"), now=at(1))

    # Then it is refused and the host keeps its worker and engine
    assert outcome is Outcome.REFUSED
    host = web_1()
    assert host.worker_instance == first.instance
    assert host.worker_machine == "box-a"
    assert host.engine_id == "ENGINE:ONE"
    assert host.engine_version == "20.10.24"
    assert host.last_seen == T0


def test_a_new_worker_is_adopted_once_the_first_is_overdue():
    # Given a worker whose heartbeats stopped (killed without a goodbye) after seq 10
    first = FakeWorker(engine_id="ENGINE:ONE")
    apply_host_report(first.report("hello", seq=10), now=T0)

    # When a new worker says hello, numbering from 1, after the host went overdue
    second = FakeWorker(machine="box-a2", engine_id="ENGINE:TWO")
    outcome = apply_host_report(second.report("hello", seq=1), now=at(OFFLINE_AFTER + 1))

    # Then the host is the new worker's
    assert outcome is Outcome.APPLIED
    host = web_1()
    assert host.worker_instance == second.instance
    assert host.engine_id == "ENGINE:TWO"
    assert host.worker_machine == "box-a2"
    assert host.last_seq == 1
    assert host.last_seen == at(OFFLINE_AFTER + 1)
    assert host.status == HostStatus.ONLINE
    # and its online period starts with the new worker, not the dead one
    assert host.online_since == at(OFFLINE_AFTER + 1)


def test_a_goodbye_from_a_former_worker_does_not_take_the_new_one_down():
    first = FakeWorker()
    apply_host_report(first.report("hello"), now=T0)
    second = FakeWorker()
    apply_host_report(second.report("hello"), now=at(OFFLINE_AFTER + 1))

    # When the former worker's goodbye arrives late
    outcome = apply_host_report(first.report("goodbye"), now=at(OFFLINE_AFTER + 2))

    assert outcome is not Outcome.APPLIED
    host = web_1()
    assert host.status == HostStatus.ONLINE
    assert host.worker_instance == second.instance


def test_a_goodbye_from_a_former_worker_is_stale_even_when_the_new_one_is_quiet():
    first = FakeWorker()
    apply_host_report(first.report("hello"), now=T0)
    second = FakeWorker()
    apply_host_report(second.report("hello"), now=at(OFFLINE_AFTER + 1))

    outcome = apply_host_report(first.report("goodbye"), now=at(3 * OFFLINE_AFTER))

    assert outcome is Outcome.STALE
    assert web_1().worker_instance == second.instance


def test_an_unreachable_engine_keeps_the_host_online_and_says_why():
    worker = FakeWorker()
    apply_host_report(worker.report("hello"), now=T0)

    error = "Docker engine at unix:///var/run/docker.sock did not answer: connection refused"
    outcome = apply_host_report(worker.report(reachable=False, error=error), now=at(1))

    assert outcome is Outcome.APPLIED
    host = web_1()
    assert host.status == HostStatus.ONLINE
    assert host.last_seen == at(1)
    assert host.engine_reachable is False
    assert host.engine_error == error
    assert host.engine_version == "20.10.24"  # the last facts known stay for display


def test_an_engine_that_answers_again_clears_the_error():
    worker = FakeWorker()
    apply_host_report(worker.report("hello", reachable=False, error="connection refused"), now=T0)

    apply_host_report(worker.report(reachable=True), now=at(1))

    host = web_1()
    assert host.engine_reachable is True
    assert host.engine_error == ""


def test_a_refused_report_changes_nothing():
    first = FakeWorker()
    apply_host_report(first.report("hello"), now=T0)

    refused = FakeWorker(machine="box-b").reporter.build("refused", reason="name in use")
    outcome = apply_host_report(refused, now=at(1))

    assert outcome is Outcome.REFUSED
    host = web_1()
    assert host.worker_instance == first.instance
    assert host.last_seen == T0


def test_the_hosts_compose_version_is_what_its_worker_says_and_empty_when_it_has_none():
    worker = FakeWorker("Web 1")
    report = worker.report("hello")
    report["worker"]["compose_version"] = "2.40.3"

    apply_host_report(report, now=T0)
    assert web_1().compose_version == "2.40.3"

    later = worker.report("heartbeat")
    later["worker"]["compose_version"] = ""
    apply_host_report(later, now=at(1))
    assert web_1().compose_version == ""
