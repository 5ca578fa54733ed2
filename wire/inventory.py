"""The `inventory` part of a host report: the batch that carries a worker's container and image
records (wire.records, built from the engine by engine.inventory), checked for shape before the
portal applies anything.

A wrongly shaped part is refused whole (InvalidInventory); odd values inside a well-shaped
record are left for the portal's record readers (portal/containers/records.py,
portal/images/records.py), which record what they can.
"""

from __future__ import annotations

from dataclasses import dataclass
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


class InvalidInventory(ValueError):
    """An inventory part that is not shaped like one."""


@dataclass(frozen=True)
class Snapshot:
    """Everything that existed on the host at the batch's observed_seq."""

    container_ids: frozenset[str]
    image_ids: frozenset[str]

    def to_wire(self) -> dict[str, list[str]]:
        # A worker lists them in the engine's order; a set has none, so the wire gets them sorted.
        return {"container_ids": sorted(self.container_ids), "image_ids": sorted(self.image_ids)}


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

    @property
    def size(self) -> int:
        return len(self.containers) + len(self.images) + len(self.removed_containers) + len(self.removed_images)

    def to_wire(self) -> dict[str, Any]:
        return {
            "observed_seq": self.observed_seq,
            "containers": list(self.containers),
            "images": list(self.images),
            "removed_containers": list(self.removed_containers),
            "removed_images": list(self.removed_images),
            "snapshot": None if self.snapshot is None else self.snapshot.to_wire(),
        }

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
    return Snapshot(
        container_ids=frozenset(_ids(value, "container_ids")),
        image_ids=frozenset(_ids(value, "image_ids")),
    )


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
        containers=_records(inventory, "containers"),
        images=_records(inventory, "images"),
        removed_containers=_ids(inventory, "removed_containers"),
        removed_images=_ids(inventory, "removed_images"),
        snapshot=_snapshot(inventory.get("snapshot")),
    )
