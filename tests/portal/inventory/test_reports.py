"""Inventory reports in the host report envelope: whose are accepted, and which are malformed."""

import logging

import pytest

from portal.containers.models import Container
from portal.hosts.choices import HostStatus
from portal.hosts.models import Host
from portal.ingest.reports import InvalidReport, Outcome, apply_host_report
from portal.inventory.versions import inventory_version
from tests.portal.clock import T0, at
from tests.portal.inventory.factories import InventoryWorker, container_record, image_record, snapshot_of

pytestmark = pytest.mark.django_db

OFFLINE_AFTER = 8


@pytest.fixture(autouse=True)
def offline_after(settings):
    settings.BERTH_HOST_OFFLINE_AFTER = OFFLINE_AFTER


def web_1() -> Host:
    return Host.objects.get(slug="web-1")


def test_each_new_worker_starts_a_new_generation():
    first = InventoryWorker("Web 1")
    apply_host_report(first.report("hello"), now=T0)
    assert web_1().generation == 1

    apply_host_report(first.report(), now=at(1))
    assert web_1().generation == 1

    second = InventoryWorker("Web 1")
    apply_host_report(second.report("hello"), now=at(OFFLINE_AFTER + 2))
    assert web_1().generation == 2


def test_rows_carry_the_version_of_the_generation_and_observed_seq():
    worker = InventoryWorker("Web 1")
    apply_host_report(worker.report("hello"), now=T0)
    report = worker.inventory([container_record(name="web")])

    apply_host_report(report, now=at(1))

    assert Container.objects.get().version == inventory_version(1, report["inventory"]["observed_seq"])


def test_inventory_neither_reads_nor_moves_last_seq():
    # Given a heartbeat at seq 3 and an inventory report observed and sent earlier, at seq 2
    worker = InventoryWorker("Web 1")
    apply_host_report(worker.report("hello"), now=T0)
    inventory = worker.inventory([container_record(name="web")])
    heartbeat = worker.report()
    apply_host_report(heartbeat, now=at(1))

    # When the inventory arrives after the heartbeat
    outcome = apply_host_report(inventory, now=at(2))

    # Then it is applied, and the heartbeat sequence is untouched
    assert outcome is Outcome.APPLIED
    assert Container.objects.filter(name="web").exists()
    host = web_1()
    assert host.last_seq == heartbeat["seq"]
    assert host.last_seen == at(1)


def test_a_heartbeat_after_inventory_is_not_stale():
    worker = InventoryWorker("Web 1")
    apply_host_report(worker.report("hello"), now=T0)
    apply_host_report(worker.inventory([container_record(name="web")]), now=at(1))

    assert apply_host_report(worker.report(), now=at(2)) is Outcome.APPLIED


def test_inventory_from_another_live_worker_is_refused(caplog):
    # Given web-1 served by a live worker
    first = InventoryWorker("Web 1", machine="box-a")
    apply_host_report(first.report("hello"), now=T0)

    # When another worker sends inventory for it
    intruder = InventoryWorker("Web 1", machine="box-b")
    with caplog.at_level(logging.ERROR):
        outcome = apply_host_report(intruder.inventory([container_record(name="evil")]), now=at(1))

    # Then nothing of it is recorded, and the log says why
    assert outcome is Outcome.REFUSED
    assert not Container.objects.exists()
    assert web_1().worker_instance == first.instance
    assert "Ignoring a inventory for host 'web-1'" in caplog.text


def test_a_dead_workers_late_inventory_is_refused_once_its_successor_serves_the_host():
    first = InventoryWorker("Web 1")
    apply_host_report(first.report("hello"), now=T0)
    late = first.inventory([container_record(name="ghost")])
    second = InventoryWorker("Web 1")
    apply_host_report(second.report("hello"), now=at(OFFLINE_AFTER + 1))

    outcome = apply_host_report(late, now=at(OFFLINE_AFTER + 2))

    assert outcome is Outcome.REFUSED
    assert not Container.objects.exists()


def test_inventory_from_a_new_worker_adopts_a_host_nobody_serves():
    # Given a host whose worker went quiet
    first = InventoryWorker("Web 1")
    apply_host_report(first.report("hello", seq=40), now=T0)

    # When a new worker's inventory arrives before its hello
    second = InventoryWorker("Web 1", machine="box-b")
    outcome = apply_host_report(second.inventory([container_record(name="web")]), now=at(OFFLINE_AFTER + 1))

    # Then the host is adopted: a new generation, a fresh sequence, and the inventory applied
    assert outcome is Outcome.APPLIED
    host = web_1()
    assert (host.worker_instance, host.worker_machine) == (second.instance, "box-b")
    assert host.generation == 2
    assert host.last_seq == 0
    assert Container.objects.filter(name="web").exists()
    # and its hello, numbered before the inventory, is not taken for stale
    assert apply_host_report(second.report("hello", seq=1), now=at(OFFLINE_AFTER + 2)) is Outcome.APPLIED
    assert web_1().status == HostStatus.ONLINE
    assert web_1().generation == 2


def test_inventory_for_a_host_not_seen_yet_creates_it():
    worker = InventoryWorker("Web 1")

    outcome = apply_host_report(worker.inventory([container_record(name="web")]), now=T0)

    assert outcome is Outcome.APPLIED
    assert web_1().generation == 1
    assert web_1().status == HostStatus.UNKNOWN  # liveness is for heartbeats to tell


def _inventory_with(**changes):
    report = InventoryWorker("Web 1").inventory([container_record(name="web")])
    report["inventory"] = {**report["inventory"], **changes}
    return report


def _without_inventory():
    report = InventoryWorker("Web 1").inventory()
    del report["inventory"]
    return report


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (_without_inventory(), "report inventory: inventory is not an object"),
        (_inventory_with(observed_seq=None), "observed_seq is not an integer"),
        (_inventory_with(observed_seq="1"), "observed_seq is not an integer"),
        (_inventory_with(observed_seq=True), "observed_seq is not an integer"),
        (_inventory_with(observed_seq=-1), "observed_seq -1 is not between 0 and the report's seq"),
        (_inventory_with(observed_seq=10**6), "is not between 0 and the report's seq"),
        (_inventory_with(containers={"id": "x"}), "containers is not a list of objects"),
        (_inventory_with(containers=["x"]), "containers is not a list of objects"),
        (_inventory_with(images=[None]), "images is not a list of objects"),
        (_inventory_with(removed_containers="abc"), "removed_containers is not a list of ids"),
        (_inventory_with(removed_images=[1]), "removed_images is not a list of ids"),
        (_inventory_with(snapshot=[]), "snapshot is neither null nor an object"),
        (_inventory_with(snapshot={"container_ids": [None]}), "container_ids is not a list of ids"),
    ],
)
def test_a_malformed_inventory_is_invalid_and_changes_nothing(report, message):
    with pytest.raises(InvalidReport, match=message):
        apply_host_report(report, now=T0)

    assert not Host.objects.exists()
    assert not Container.objects.exists()


def test_missing_lists_are_empty_not_invalid():
    worker = InventoryWorker("Web 1")
    report = worker.inventory()
    report["inventory"] = {"observed_seq": report["seq"], "snapshot": {}}

    assert apply_host_report(report, now=T0) is Outcome.APPLIED


def test_odd_records_are_recorded_as_best_they_can_be_and_logged(caplog):
    # Given a worker whose engine answered oddly
    worker = InventoryWorker("Web 1")
    odd_state = {**container_record(name="odd"), "state": "hibernating"}
    no_id = {**container_record(name="nameless"), "engine_id": ""}
    bad_values = {**container_record(name="bad"), "restart_count": "many", "created": "yesterday", "labels": ["x"]}
    sparse = {"engine_id": "f" * 64, "name": "sparse", "inspect": None}
    no_layers = {**image_record(tags=["app:1"]), "size": "big", "layers": [{"diff_id": 7, "size": None}, "junk"]}

    with caplog.at_level(logging.WARNING):
        outcome = apply_host_report(worker.inventory([odd_state, no_id, bad_values, sparse], [no_layers]), now=T0)

    # Then the report is applied, every usable record recorded with what could be read
    assert outcome is Outcome.APPLIED
    rows = {c.name: c for c in Container.objects.all()}
    assert set(rows) == {"odd", "bad", "sparse"}
    assert rows["odd"].state == "hibernating"
    assert (rows["bad"].restart_count, rows["bad"].created, rows["bad"].labels) == (0, None, {})
    assert (rows["sparse"].state, rows["sparse"].image, rows["sparse"].inspect) == ("unknown", "", None)
    image = web_1().images.get()
    assert image.size == 0
    assert image.layers == [{"diff_id": None, "size": 0, "created_by": "", "created": None, "comment": ""}]
    # and one warning says what was odd
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "recorded as best" in r.message]
    assert len(warnings) == 1
    assert "'hibernating', which Berth does not know" in warnings[0].message
    assert "a container record without an engine_id was left out" in warnings[0].message
    assert "restart_count 'many', not an integer" in warnings[0].message


def test_a_snapshot_of_the_whole_host_in_chunks_applies_to_the_database_exactly():
    worker = InventoryWorker("Web 1")
    apply_host_report(worker.report("hello"), now=T0)
    containers = [container_record(name=f"c-{i}") for i in range(30)]
    images = [image_record(tags=[f"app-{i}:1"]) for i in range(12)]
    observed = worker.observe()
    snapshot = snapshot_of([c["engine_id"] for c in containers], [i["engine_id"] for i in images])

    for start in range(0, 30, 10):
        chunk = worker.inventory(containers[start : start + 10], images[start : start + 10], observed_seq=observed)
        apply_host_report(chunk, now=at(1))
    apply_host_report(worker.inventory(snapshot=snapshot, observed_seq=observed), now=at(2))

    host = web_1()
    assert host.containers.live().count() == 30
    assert sorted(str(t) for t in host.image_tags.all()) == sorted(f"app-{i}:1" for i in range(12))
