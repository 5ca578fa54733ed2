"""Networks and volumes in an inventory batch (issue 14): carried beside containers and images,
left off the wire when there are none, and a snapshot names only the kinds it listed."""

import json

from wire.inventory import InventoryBatch, Snapshot, parse_inventory
from wire.records import NetworkRecord, VolumeRecord


def test_a_batch_of_networks_and_volumes_comes_back_as_it_went():
    network = NetworkRecord(engine_id="n" * 64, name="back", driver="bridge", scope="local", created=None)
    volume = VolumeRecord(engine_id="data", driver="local", mountpoint="/m", scope="local", created=None, size=3)
    batch = InventoryBatch(
        observed_seq=4,
        containers=[],
        images=[],
        removed_containers=[],
        removed_images=[],
        networks=[network.to_wire()],
        volumes=[volume.to_wire()],
        removed_volumes=["old"],
        snapshot=Snapshot(network_ids=frozenset({"n" * 64}), volume_ids=frozenset({"data"})),
    )

    wire = json.loads(json.dumps(batch.to_wire()))

    assert parse_inventory(wire, 5) == batch
    assert wire["snapshot"] == {"network_ids": ["n" * 64], "volume_ids": ["data"]}
    assert batch.size == 3


def test_a_batch_without_networks_or_volumes_reads_as_before_and_its_snapshot_lists_no_other_kind():
    batch = InventoryBatch(1, [], [], [], [], snapshot=Snapshot(frozenset(), frozenset()))

    wire = batch.to_wire()

    assert set(wire) == {"observed_seq", "containers", "images", "removed_containers", "removed_images", "snapshot"}
    parsed = parse_inventory(wire, 1).snapshot
    assert parsed.container_ids == frozenset() and parsed.network_ids is None and parsed.volume_ids is None
