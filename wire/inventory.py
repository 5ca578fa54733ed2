"""The `inventory` part of a host report: the batch that carries a worker's container, image,
network and volume records (wire.records, built from the engine by engine.inventory and
engine.attachments), checked for shape before the portal applies anything.

A snapshot lists the ids of the kinds its worker listed at its observation; a kind it leaves out
(None) was not listed, so nothing of that kind is removed for being absent. Containers and images
are listed together, networks and volumes together (workers/attachments.py).

A wrongly shaped part is refused whole (InvalidInventory); odd values inside a well-shaped
record are left for the portal's record readers (portal/containers/records.py,
portal/images/records.py), which record what they can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_OBSERVED_SEQ",
    "OBSERVED_SEQ_BITS",
    "InvalidInventory",
    "InventoryBatch",
    "Snapshot",
    "parse_inventory",
]

# An observation's number fits in 32 bits: the portal packs it with the host's generation into
# one version (portal/inventory/versions.py).
OBSERVED_SEQ_BITS = 32
MAX_OBSERVED_SEQ = 2**OBSERVED_SEQ_BITS - 1


SNAPSHOT_KEYS = ("container_ids", "image_ids", "network_ids", "volume_ids")


class InvalidInventory(ValueError):
    """An inventory part that is not shaped like one."""


RECORD_KEYS = ("containers", "images", "networks", "volumes")
REMOVED_KEYS = ("removed_containers", "removed_images", "removed_networks", "removed_volumes")


@dataclass(frozen=True)
class Snapshot:
    """Everything of the listed kinds that existed on the host at the batch's observed_seq."""

    container_ids: frozenset[str] | None = None
    image_ids: frozenset[str] | None = None
    network_ids: frozenset[str] | None = None
    volume_ids: frozenset[str] | None = None

    def to_wire(self) -> dict[str, list[str]]:
        # A worker lists them in the engine's order; a set has none, so the wire gets them sorted.
        return {key: sorted(ids) for key in SNAPSHOT_KEYS if (ids := getattr(self, key)) is not None}


@dataclass(frozen=True)
class InventoryBatch:
    """What a worker observed at `observed_seq` (a number from its report sequence): records
    (as their to_wire() dicts) to upsert, ids to remove, and with `snapshot` the whole listing."""

    observed_seq: int
    containers: list[dict]
    images: list[dict]
    removed_containers: list[str]
    removed_images: list[str]
    snapshot: Snapshot | None = None
    networks: list[dict] = field(default_factory=list)
    volumes: list[dict] = field(default_factory=list)
    removed_networks: list[str] = field(default_factory=list)
    removed_volumes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(getattr(self, key)) for key in RECORD_KEYS + REMOVED_KEYS)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"observed_seq": self.observed_seq}
        for key in RECORD_KEYS[:2] + REMOVED_KEYS[:2]:
            wire[key] = list(getattr(self, key))
        # Networks and volumes only when there are any: a batch of containers and images reads as before.
        for key in RECORD_KEYS[2:] + REMOVED_KEYS[2:]:
            if getattr(self, key):
                wire[key] = list(getattr(self, key))
        wire["snapshot"] = None if self.snapshot is None else self.snapshot.to_wire()
        return wire

    @classmethod
    def from_wire(cls, inventory: Any, seq: int) -> InventoryBatch:
        return parse_inventory(inventory, seq)


def _list_of(holder: dict, key: str, kind: type, what: str) -> list:
    """`holder[key]` as a list of `kind`s; missing means empty."""
    items = holder.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, kind) for item in items):
        raise InvalidInventory(f"{key} is not a list of {what}")
    return items


def _records(inventory: dict, key: str) -> list[dict]:
    return _list_of(inventory, key, dict, "objects")


def _ids(holder: dict, key: str) -> list[str]:
    return _list_of(holder, key, str, "ids")


def _snapshot(value: Any) -> Snapshot | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInventory("snapshot is neither null nor an object")
    return Snapshot(**{key: frozenset(_ids(value, key)) for key in SNAPSHOT_KEYS if value.get(key) is not None})


def parse_inventory(inventory: Any, seq: int) -> InventoryBatch:
    """The batch in a report numbered `seq`; its observation cannot come after its sending."""
    if not isinstance(inventory, dict):
        raise InvalidInventory("inventory is not an object")
    observed_seq = inventory.get("observed_seq")
    # bool is an int to Python, never to a worker.
    if not isinstance(observed_seq, int) or isinstance(observed_seq, bool):
        raise InvalidInventory("observed_seq is not an integer")
    if not 0 <= observed_seq <= min(seq, MAX_OBSERVED_SEQ):
        raise InvalidInventory(f"observed_seq {observed_seq} is not between 0 and the report's seq {seq}")
    return InventoryBatch(
        observed_seq=observed_seq,
        snapshot=_snapshot(inventory.get("snapshot")),
        **{key: _records(inventory, key) for key in RECORD_KEYS},
        **{key: _ids(inventory, key) for key in REMOVED_KEYS},
    )
