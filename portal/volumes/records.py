"""A host worker's volume records (wire.records.VolumeRecord, sent as its to_wire()) as rows."""

from __future__ import annotations

from datetime import datetime

from portal.hosts.models import Host
from portal.inventory.fields import Notes, RecordReader
from portal.inventory.mirror import MirrorResult, mirror
from portal.volumes.models import Volume
from wire.inventory import InventoryBatch

__all__ = ["apply_volumes", "volume_fields"]

MAX_SIZE = 2**63 - 1


def volume_fields(record: dict, notes: Notes) -> tuple[str, dict] | None:
    """The record's name (its engine id) and its fields, or None when it names no volume."""
    engine_id = record.get("engine_id")
    if not isinstance(engine_id, str) or not engine_id.strip():
        notes.add("a volume record without a name was left out")
        return None
    engine_id = engine_id.strip()
    reader = RecordReader(record, f"volume {engine_id[:24]}", notes)
    containers = reader.entries("containers", ("engine_id", "name", "destination"))
    for entry, raw in zip(containers, reader.object_list("containers"), strict=True):
        entry["rw"] = raw.get("rw") is not False
    size = reader.integer("size", default=None)
    return engine_id, {
        "driver": reader.text("driver", 64),
        "mountpoint": reader.text("mountpoint"),
        "scope": reader.text("scope", 32),
        "options": reader.text_dict("options"),
        "labels": reader.text_dict("labels"),
        "created": reader.time("created"),
        "containers": containers,
        "container_count": len(containers),
        "size": None if size is None or size < 0 else min(size, MAX_SIZE),
    }


def apply_volumes(host: Host, version: int, batch: InventoryBatch, notes: Notes, now: datetime) -> MirrorResult:
    upserts = {}
    for record in batch.volumes:
        if read := volume_fields(record, notes):
            engine_id, upserts[engine_id] = read
    listed = batch.snapshot.volume_ids if batch.snapshot is not None else None
    return mirror(host, Volume, version, upserts, batch.removed_volumes, listed, now)
