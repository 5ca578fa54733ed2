"""The `inventory` part of a host worker's report, checked for shape before anything is applied.

A wrongly shaped part is refused whole (InvalidInventory); odd values inside a well-shaped
record are left for the record readers, which record what they can.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.inventory.versions import MAX_OBSERVED_SEQ

__all__ = ["InvalidInventory", "InventoryBatch", "Snapshot", "parse_inventory"]


class InvalidInventory(ValueError):
    """An inventory part that is not shaped like one."""


@dataclass(frozen=True)
class Snapshot:
    """Everything that existed on the host at the batch's observed_seq."""

    container_ids: frozenset[str]
    image_ids: frozenset[str]


@dataclass(frozen=True)
class InventoryBatch:
    observed_seq: int
    containers: list[dict]
    images: list[dict]
    removed_containers: list[str]
    removed_images: list[str]
    snapshot: Snapshot | None = None

    @property
    def size(self) -> int:
        return len(self.containers) + len(self.images) + len(self.removed_containers) + len(self.removed_images)


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
