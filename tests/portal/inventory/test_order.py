"""Inventory reports applied in any order end in the same, right, state: versions and tombstones."""

import itertools
from datetime import UTC, datetime

import pytest

from portal.containers.models import Container
from portal.hosts.models import Host
from portal.ingest.reports import Outcome, apply_host_report
from tests.portal.clock import T0, at
from tests.portal.inventory.factories import (
    InventoryWorker,
    container_record,
    engine_id,
    listed_container_record,
    snapshot_of,
)

pytestmark = pytest.mark.django_db


def apply_all(reports, start: float = 1) -> None:
    for offset, report in enumerate(reports):
        assert apply_host_report(report, now=at(start + offset)) is Outcome.APPLIED


def live() -> dict[str, str]:
    """name -> state of every live container."""
    return dict(Container.objects.live().values_list("name", "state"))


def row(name: str) -> Container:
    return Container.objects.get(name=name)


# --- one report at a time ------------------------------------------------------------------


def test_a_snapshot_creates_every_container_it_carries(worker):
    web, db = container_record(name="web"), container_record(name="db", state="exited", exit_code=1)

    apply_all([worker.inventory([web, db], snapshot=snapshot_of([web["engine_id"], db["engine_id"]]))])

    assert live() == {"web": "running", "db": "exited"}
    assert row("db").exit_code == 1
    assert row("web").host == Host.objects.get(slug="web-1")


def test_a_newer_report_updates_and_an_older_one_is_ignored(worker):
    web = container_record(name="web")
    first, second = worker.observe(), worker.observe()
    stopped = worker.inventory([{**web, "state": "exited"}], observed_seq=second)
    running = worker.inventory([web], observed_seq=first)

    apply_all([stopped, running])

    assert live() == {"web": "exited"}


def test_the_same_report_twice_changes_nothing_the_second_time(worker):
    web = container_record(name="web")
    report = worker.inventory([web])
    apply_all([report])
    before = Container.objects.values().get()

    apply_all([report], start=5)

    assert Container.objects.values().get() == before


def test_a_removal_leaves_a_tombstone_hidden_from_the_live_list(worker):
    web = container_record(name="web")
    apply_all([worker.inventory([web])])

    apply_host_report(worker.inventory(removed_containers=[web["engine_id"]]), now=at(30))

    assert live() == {}
    tombstone = row("web")
    assert tombstone.removed_at == at(30)
    assert tombstone.state == "running"  # the last state known, kept for its page


def test_a_removal_older_than_the_row_is_ignored(worker):
    web = container_record(name="web")
    early = worker.observe()
    apply_all([worker.inventory([web])])

    apply_all([worker.inventory(removed_containers=[web["engine_id"]], observed_seq=early)])

    assert live() == {"web": "running"}


def test_a_removal_at_the_rows_own_version_is_ignored(worker):
    web = container_record(name="web")
    seq = worker.observe()
    apply_all([worker.inventory([web], observed_seq=seq)])

    apply_all([worker.inventory(removed_containers=[web["engine_id"]], observed_seq=seq)])

    assert live() == {"web": "running"}


def test_an_id_both_upserted_and_removed_in_one_report_ends_removed(worker):
    web = container_record(name="web")

    apply_all([worker.inventory([web], removed_containers=[web["engine_id"]])])

    assert live() == {}


def test_a_newer_upsert_brings_a_tombstone_back(worker):
    web = container_record(name="web")
    apply_all([worker.inventory([web]), worker.inventory(removed_containers=[web["engine_id"]])])

    apply_all([worker.inventory([{**web, "state": "created"}])], start=10)

    assert live() == {"web": "created"}
    assert row("web").removed_at is None


def test_a_snapshot_removes_what_it_does_not_list(worker):
    web, db = container_record(name="web"), container_record(name="db")
    apply_all([worker.inventory([web, db])])

    apply_all([worker.inventory(snapshot=snapshot_of([web["engine_id"]]))], start=10)

    assert live() == {"web": "running"}
    assert row("db").removed_at == at(10)


def test_a_snapshot_keeps_what_it_lists_without_changing_it(worker):
    # Given web created, then stopped in a delta
    web = container_record(name="web")
    created, stopped, listed = worker.observe(), worker.observe(), worker.observe()
    apply_all([worker.inventory([web], observed_seq=created)])

    # When a snapshot that lists web (unchanged, so not sent) arrives before the delta
    apply_all([worker.inventory(snapshot=snapshot_of([web["engine_id"]]), observed_seq=listed)])
    apply_all([worker.inventory([{**web, "state": "exited"}], observed_seq=stopped)], start=5)

    # Then the delta still applies: a listing says web exists, not what it is like
    assert live() == {"web": "exited"}


def test_a_listed_record_without_inspect_keeps_the_inspected_fields(worker):
    web = container_record(name="web", health="healthy", restart_count=3, started_at="2030-01-01T11:30:00Z")
    apply_all([worker.inventory([web])])

    apply_all([worker.inventory([listed_container_record(web["engine_id"], name="web-renamed")])])

    container = row("web-renamed")
    assert container.health == "healthy"
    assert container.restart_count == 3
    assert container.started_at == datetime(2030, 1, 1, 11, 30, tzinfo=UTC)
    assert container.inspect["Id"] == web["engine_id"]


# --- the promises of the issue: no resurrection, any order ----------------------------------


def test_a_late_snapshot_never_resurrects_a_container_removed_by_a_newer_report(worker):
    # Given a snapshot observed at seq S that lists web, and web's removal observed after it
    web = container_record(name="web")
    observed = worker.observe()
    late_chunk = worker.inventory([web], observed_seq=observed)
    late_marker = worker.inventory(snapshot=snapshot_of([web["engine_id"]]), observed_seq=observed)
    apply_all([worker.inventory([web], observed_seq=observed)])
    apply_all([worker.inventory(removed_containers=[web["engine_id"]])], start=2)

    # When the snapshot's reports arrive (again, late)
    apply_all([late_chunk, late_marker], start=3)

    # Then web stays removed
    assert live() == {}
    assert row("web").removed_at == at(2)


def test_a_removal_that_overtakes_the_creation_wins(worker):
    # Given a container created and at once removed, the removal's report arriving first
    web = container_record(name="web")
    creation = worker.inventory([web])
    removal = worker.inventory(removed_containers=[web["engine_id"]])

    apply_all([removal, creation])

    # Then it is not shown as alive
    assert live() == {}


@pytest.fixture
def history(worker):
    """A snapshot in two chunks and a marker, then two deltas: what a worker sends at start
    and just after. Returns the reports in sending order, and the end state they describe."""
    web, db, cache = (container_record(name=n) for n in ("web", "db", "cache"))
    observed = worker.observe()
    ids = [c["engine_id"] for c in (web, db, cache)]
    reports = [
        worker.inventory([web, db], observed_seq=observed),
        worker.inventory([cache], observed_seq=observed),
        worker.inventory(snapshot=snapshot_of(ids), observed_seq=observed),
        worker.inventory([{**db, "state": "exited"}], removed_containers=[cache["engine_id"]]),
        worker.inventory([container_record(name="job", state="created")], removed_containers=[web["engine_id"]]),
    ]
    return reports, {"db": "exited", "job": "created"}


def test_chunks_and_deltas_in_every_order_end_the_same(worker, history):
    reports, expected = history
    for number, order in enumerate(itertools.permutations(reports)):
        Container.objects.all().delete()

        apply_all(order, start=10 * number)

        assert live() == expected, f"order {[reports.index(r) for r in order]}"


def test_a_snapshot_of_an_older_worker_loses_to_the_new_workers_reports(settings):
    settings.BERTH_HOST_OFFLINE_AFTER = 8
    # Given a first worker that reported web and db at a high seq, then died
    first = InventoryWorker("Web 1")
    apply_host_report(first.report("hello"), now=T0)
    web, db = container_record(name="web"), container_record(name="db")
    for _ in range(50):
        first.observe()
    apply_host_report(first.inventory([web, db]), now=at(1))

    # When a new worker, numbering from 1, reports that only web exists, stopped
    second = InventoryWorker("Web 1")
    apply_host_report(second.report("hello"), now=at(20))
    apply_host_report(
        second.inventory([{**web, "state": "exited"}], snapshot=snapshot_of([web["engine_id"]])), now=at(21)
    )

    # Then the new worker's word stands despite its lower seq
    assert live() == {"web": "exited"}


def test_a_removal_of_a_container_never_seen_blocks_its_late_creation_but_is_not_listed(worker):
    unknown = engine_id("ghost")

    apply_all([worker.inventory(removed_containers=[unknown])])

    assert live() == {}
    assert Container.objects.get(engine_id=unknown).removed_at is not None


def test_two_hosts_keep_their_own_containers_of_the_same_name():
    web_1, web_2 = InventoryWorker("Web 1"), InventoryWorker("Web 2")
    for worker in (web_1, web_2):
        apply_host_report(worker.report("hello"), now=T0)
    one, two = container_record(name="app"), container_record(name="app", state="exited")

    apply_host_report(web_1.inventory([one], snapshot=snapshot_of([one["engine_id"]])), now=at(1))
    apply_host_report(web_2.inventory([two], snapshot=snapshot_of([two["engine_id"]])), now=at(2))
    # a snapshot of one host removes nothing of the other
    apply_host_report(web_1.inventory(snapshot=snapshot_of([one["engine_id"]])), now=at(3))

    rows = sorted(Container.objects.live().values_list("host__slug", "name", "state"))
    assert rows == [("web-1", "app", "running"), ("web-2", "app", "exited")]


def test_a_snapshot_listing_containers_the_portal_never_received_asks_the_worker_for_everything(
    worker, monkeypatch, django_capture_on_commit_callbacks
):
    # Given the report that carried db was lost on the way
    asked = []
    monkeypatch.setattr("portal.ingest.inventory.request_inventory_resync", asked.append)
    web, db = container_record(name="web"), container_record(name="db")
    apply_all([worker.inventory([web])])

    # When a snapshot lists both
    with django_capture_on_commit_callbacks(execute=True):
        apply_all([worker.inventory(snapshot=snapshot_of([web["engine_id"], db["engine_id"]]))], start=10)

    # Then the portal asks that host's worker to send everything again
    assert asked == ["web-1"]


def test_a_snapshot_that_matches_the_database_asks_for_nothing(worker, monkeypatch, django_capture_on_commit_callbacks):
    asked = []
    monkeypatch.setattr("portal.ingest.inventory.request_inventory_resync", asked.append)
    web = container_record(name="web")
    apply_all([worker.inventory([web])])

    with django_capture_on_commit_callbacks(execute=True):
        apply_all([worker.inventory(snapshot=snapshot_of([web["engine_id"]]))], start=10)

    assert asked == []
