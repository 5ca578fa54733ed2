"""The host worker's inventory sync, against a fake engine and a recording reporter."""

from engine.inventory import ImageRecord, container_from_list
from workers.inventory import InventorySync


def listed(container_id, name, state="running"):
    return {
        "Id": container_id,
        "Names": [f"/{name}"],
        "Image": "busybox",
        "ImageID": "sha256:img",
        "State": state,
        "Created": 1_700_000_000,
        "Labels": {},
    }


class FakeEngine:
    def __init__(self):
        self.containers: dict[str, dict] = {}
        self.images: dict[str, list[str]] = {"sha256:img": ["busybox:latest"]}
        self.inspected: list[str] = []
        self.layer_reads: list[str] = []

    def run(self, container_id, name, state="running"):
        self.containers[container_id] = listed(container_id, name, state)

    def list_containers(self):
        return list(self.containers.values())

    def inspect_container(self, container_id):
        self.inspected.append(container_id)
        item = self.containers.get(container_id)
        if item is None:
            return None
        record = container_from_list(item)
        record.inspect = {"Id": container_id}
        return record

    def list_images(self):
        return [
            ImageRecord(engine_id=i, tags=list(t), digests=[], size=1, created=None) for i, t in self.images.items()
        ]

    def image_layers(self, image_id):
        self.layer_reads.append(image_id)
        return [{"diff_id": "sha256:l", "size": 1, "created_by": "", "created": None, "comment": ""}]


class RecordingReporter:
    def __init__(self):
        self.seq = 0
        self.sent = []

    def reserve_seq(self):
        self.seq += 1
        return self.seq

    def send(self, kind, **extra):
        self.seq += 1
        self.sent.append(extra["inventory"])
        return True


def sync_with(engine):
    reporter = RecordingReporter()
    return InventorySync(engine, reporter), reporter


def event(kind, action, object_id):
    return {"Type": kind, "Action": action, "Actor": {"ID": object_id}}


def test_the_first_snapshot_sends_everything_with_its_layers_and_the_listing_in_one_report():
    """One report: the portal's threads apply reports in any order, and a listing applied before
    the objects it names (sent apart) was seen as a gap and answered with a needless full resync."""
    engine = FakeEngine()
    engine.run("c1", "web")
    sync, reporter = sync_with(engine)

    sync.snapshot(full=True)

    (report,) = reporter.sent
    assert [c["name"] for c in report["containers"]] == ["web"]
    assert report["containers"][0]["inspect"] == {"Id": "c1"}
    assert report["images"][0]["layers"][0]["diff_id"] == "sha256:l"
    assert report["snapshot"] == {"container_ids": ["c1"], "image_ids": ["sha256:img"]}


def test_a_later_snapshot_sends_only_what_changed_but_still_lists_every_id():
    engine = FakeEngine()
    engine.run("c1", "web")
    engine.run("c2", "db")
    sync, reporter = sync_with(engine)
    sync.snapshot(full=True)
    reporter.sent.clear()
    engine.inspected.clear()
    engine.run("c2", "db", state="exited")

    sync.snapshot()

    (report,) = reporter.sent
    assert [c["engine_id"] for c in report["containers"]] == ["c2"]
    assert report["images"] == []
    assert engine.inspected == ["c2"]
    assert engine.layer_reads == ["sha256:img"], "layers are read once per image"
    assert sorted(report["snapshot"]["container_ids"]) == ["c1", "c2"]


def test_a_snapshot_of_many_containers_travels_in_chunks():
    engine = FakeEngine()
    for index in range(450):
        engine.run(f"c{index}", f"n{index}")
    sync, reporter = sync_with(engine)

    sync.snapshot(full=True)

    assert [len(report["containers"]) for report in reporter.sent] == [200, 200, 50]
    assert [report["snapshot"] is not None for report in reporter.sent] == [False, False, True]
    assert len(reporter.sent[-1]["snapshot"]["container_ids"]) == 450
    assert len({report["observed_seq"] for report in reporter.sent}) == 1, "a snapshot is one observation"


def test_a_snapshot_with_nothing_changed_is_the_listing_alone():
    engine = FakeEngine()
    engine.run("c1", "web")
    sync, reporter = sync_with(engine)
    sync.snapshot(full=True)
    reporter.sent.clear()

    sync.snapshot()

    (report,) = reporter.sent
    assert report["containers"] == [] and report["snapshot"]["container_ids"] == ["c1"]


def test_events_are_read_fresh_and_a_vanished_container_is_reported_removed():
    engine = FakeEngine()
    sync, reporter = sync_with(engine)
    engine.run("c1", "web")

    sync.delta(
        [event("container", "create", "c1"), event("container", "start", "c1"), event("container", "destroy", "gone")]
    )

    (report,) = reporter.sent
    assert [c["engine_id"] for c in report["containers"]] == ["c1"], "one inspect per container per batch"
    assert report["removed_containers"] == ["gone"]
    assert report["snapshot"] is None


def test_exec_events_change_nothing_and_send_nothing():
    engine = FakeEngine()
    engine.run("c1", "web")
    sync, reporter = sync_with(engine)

    sync.delta([event("container", "exec_start: sh", "c1"), event("container", "exec_die", "c1")])

    assert reporter.sent == []
    assert engine.inspected == []


def test_image_events_report_new_tags_and_removed_images():
    engine = FakeEngine()
    sync, reporter = sync_with(engine)
    sync.snapshot(full=True)
    reporter.sent.clear()
    engine.images = {"sha256:img": ["busybox:latest", "mine:1"], "sha256:new": ["new:1"]}

    sync.delta([event("image", "tag", "sha256:img")])
    engine.images = {"sha256:img": ["busybox:latest"]}
    sync.delta([event("image", "delete", "sha256:new")])

    first, second = reporter.sent
    assert sorted(i["engine_id"] for i in first["images"]) == ["sha256:img", "sha256:new"]
    assert second["removed_images"] == ["sha256:new"]
    assert second["observed_seq"] > first["observed_seq"]


def test_a_report_the_portal_did_not_get_makes_the_next_snapshot_full():
    engine = FakeEngine()
    engine.run("c1", "web")
    sync, reporter = sync_with(engine)
    sync.snapshot(full=True)
    reporter.send = lambda kind, **extra: False
    engine.run("c2", "db")
    sync.delta([event("container", "create", "c2")])
    reporter.sent.clear()
    reporter.send = RecordingReporter.send.__get__(reporter)

    sync._cycle()

    assert sorted(c["engine_id"] for c in reporter.sent[0]["containers"]) == ["c1", "c2"]


def test_a_full_snapshot_the_broker_did_not_take_is_not_taken_as_sent():
    """Redis down: the state a stop left was in a full snapshot that never arrived. The next
    snapshot must still tell it (it once cleared the wish for a full one and kept it as sent)."""
    engine = FakeEngine()
    engine.run("c1", "web")
    sync, reporter = sync_with(engine)
    sync.snapshot(full=True)
    sync._stop.set()  # no second's wait after the failed send
    engine.run("c1", "web", state="exited")
    reporter.send = lambda kind, **extra: False

    sync.snapshot(full=True)
    reporter.sent.clear()
    reporter.send = RecordingReporter.send.__get__(reporter)
    sync.snapshot(full=sync._full_wanted)

    states = [c["state"] for sent in reporter.sent for c in sent["containers"]]
    assert states == ["exited"]


def test_the_portals_resync_request_makes_the_next_cycle_send_everything():
    engine = FakeEngine()
    engine.run("c1", "web")
    sync, reporter = sync_with(engine)
    sync.snapshot(full=True)
    reporter.sent.clear()

    sync.request_full_snapshot()
    sync._cycle()

    assert [c["engine_id"] for c in reporter.sent[0]["containers"]] == ["c1"]
