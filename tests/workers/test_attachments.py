"""The host worker's networks and volumes sync, against a fake engine and a recording reporter:
a snapshot lists them with the containers that use them; events re-read them and report only
what changed, and what went. Volume sizes come from the engine's disk usage at snapshots only."""

import docker.errors

from tests.workers.test_inventory import FakeEngine as ContainerEngine
from tests.workers.test_inventory import RecordingReporter
from wire.records import ContainerRecord
from workers.attachments import AttachmentSync
from workers.inventory import InventorySync


class FakeEngine:
    def __init__(self):
        self.networks = {"n1": {"Id": "n1", "Name": "back", "Driver": "bridge", "Scope": "local"}}
        self.volumes = {"data": {"Name": "data", "Driver": "local", "Mountpoint": "/m"}}
        self.containers = []
        self.inspected = {}
        self.sizes = {"data": 4096}  # what GET /system/df?type=volume answers
        self.disk_usage_asked = 0
        self.disk_usage_refused = False

    def list_containers(self):
        return list(self.containers)

    def inspect_container(self, container_id):
        return self.inspected.get(container_id)

    def _raw(self, call):
        self.disk_usage_asked += 1
        if self.disk_usage_refused:
            raise docker.errors.APIError("a disk usage operation is already running")
        volumes = [{"Name": name, "UsageData": {"Size": size, "RefCount": 0}} for name, size in self.sizes.items()]
        return {"Volumes": [*volumes, {"Name": "remote", "UsageData": {"Size": -1, "RefCount": 0}}]}

    def _call(self, method):
        return {
            "networks": lambda: list(self.networks.values()),
            "volumes": lambda: {"Volumes": list(self.volumes.values())},
        }[method]()


def container(name, network_id="n1", volume="data"):
    return {
        "Id": name * 8,
        "Names": ["/" + name],
        "NetworkSettings": {
            "Networks": {"back": {"NetworkID": network_id, "IPAddress": "10.0.0.2", "IPPrefixLen": 24}}
        },
        "Mounts": [{"Type": "volume", "Name": volume, "Destination": "/data", "RW": True}],
    }


def test_a_snapshot_sends_networks_and_volumes_and_the_listing_of_their_ids_in_one_report():
    engine, reporter = FakeEngine(), RecordingReporter()
    engine.containers.append(container("web"))
    sync = AttachmentSync(engine, reporter)

    sync.snapshot(full=True)

    (report,) = reporter.sent
    assert report["networks"][0]["containers"][0]["ipv4_address"] == "10.0.0.2/24"
    assert report["volumes"][0]["containers"] == [
        {"engine_id": "web" * 8, "name": "web", "destination": "/data", "rw": True}
    ]
    assert "containers" not in report or report["containers"] == []
    assert report["snapshot"] == {"network_ids": ["n1"], "volume_ids": ["data"]}


def test_events_report_what_changed_and_what_went_and_nothing_for_unrelated_events():
    engine, reporter = FakeEngine(), RecordingReporter()
    sync = AttachmentSync(engine, reporter)
    sync.snapshot(full=True)
    sent = len(reporter.sent)

    sync.delta([{"Type": "container", "Action": "exec_start", "Actor": {"ID": "x"}}])
    assert len(reporter.sent) == sent

    engine.containers.append(container("web"))
    del engine.volumes["data"]
    sync.delta([{"Type": "container", "Action": "create", "Actor": {"ID": "web" * 8}}])

    [report] = reporter.sent[sent:]
    assert [n["name"] for n in report["networks"]] == ["back"]
    assert report["removed_volumes"] == ["data"]
    assert report["snapshot"] is None


def test_a_network_connect_event_re_reads_the_container_it_names():
    engine, reporter = ContainerEngine(), RecordingReporter()
    engine.run("c1", "web")
    sync = InventorySync(engine, reporter)

    sync.delta([{"Type": "network", "Action": "connect", "Actor": {"ID": "n1", "Attributes": {"container": "c1"}}}])

    assert engine.inspected == ["c1"]
    assert [c["name"] for c in reporter.sent[-1]["containers"]] == ["web"]


def test_a_connect_the_listing_does_not_show_yet_is_read_from_the_container_it_names():
    engine, reporter = FakeEngine(), RecordingReporter()
    sync = AttachmentSync(engine, reporter)
    sync.snapshot(full=True)
    engine.containers.append({**container("web"), "NetworkSettings": {"Networks": {}}})
    inspected = ContainerRecord(
        engine_id="web" * 8, name="web", image="", image_id="", command="", state="running", created=None,
        inspect={"NetworkSettings": container("web")["NetworkSettings"], "Mounts": []},
    )  # fmt: skip
    engine.inspected["web" * 8] = inspected

    sync.delta(
        [{"Type": "network", "Action": "connect", "Actor": {"ID": "n1", "Attributes": {"container": "web" * 8}}}]
    )

    [network] = reporter.sent[-1]["networks"]
    assert [c["name"] for c in network["containers"]] == ["web"]


def test_volume_sizes_come_from_the_disk_usage_at_snapshots_and_stay_on_what_events_re_read():
    engine, reporter = FakeEngine(), RecordingReporter()
    engine.volumes["remote"] = {"Name": "remote", "Driver": "nfs", "Mountpoint": ""}
    sync = AttachmentSync(engine, reporter)

    sync.snapshot(full=True)
    assert {v["engine_id"]: v["size"] for v in reporter.sent[0]["volumes"]} == {"data": 4096, "remote": None}

    engine.containers.append(container("web"))
    sync.delta([{"Type": "container", "Action": "create", "Actor": {"ID": "web" * 8}}])
    [changed] = reporter.sent[-1]["volumes"]
    assert (changed["engine_id"], changed["size"], engine.disk_usage_asked) == ("data", 4096, 1)

    engine.sizes["data"], engine.disk_usage_refused = 8192, True
    sync.snapshot()  # refused: the last sizes stand, so nothing changed
    assert engine.disk_usage_asked == 2
    assert not any(chunk.get("volumes") for chunk in reporter.sent[-1:])

    engine.disk_usage_refused = False
    sync.snapshot()
    assert [(v["engine_id"], v["size"]) for v in reporter.sent[-1]["volumes"]] == [("data", 8192)]
