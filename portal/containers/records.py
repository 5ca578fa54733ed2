"""A host worker's container records (wire.records.ContainerRecord, sent as its to_wire()) as rows."""

from __future__ import annotations

from datetime import datetime

from portal.containers.choices import ContainerState
from portal.containers.models import Container
from portal.hosts.models import Host
from portal.inventory.fields import Notes, RecordReader
from portal.inventory.mirror import MirrorResult, mirror
from wire.inventory import InventoryBatch

__all__ = ["apply_containers", "container_fields"]

INT32 = 2**31 - 1
KNOWN_STATES = frozenset(ContainerState.values)


def _exit_code(reader: RecordReader) -> int | None:
    code = reader.integer("exit_code", default=None)
    if code is not None and not -INT32 <= code <= INT32:
        reader.notes.add(f"{reader.label} has exit_code {code}, out of range (left empty)")
        return None
    return code


def container_fields(record: dict, notes: Notes) -> tuple[str, dict] | None:
    """The record's engine id and the fields it carries, or None when it names no container.

    A record without `inspect` (built from a listing) carries no inspect-only fields, so the
    row keeps those from its last inspect.
    """
    engine_id = record.get("engine_id")
    if not isinstance(engine_id, str) or not engine_id.strip():
        notes.add(f"a container record without an engine_id was left out (name {record.get('name')!r:.60})")
        return None
    engine_id = engine_id.strip()
    reader = RecordReader(record, f"container {engine_id[:12]}", notes)
    state = reader.text("state", 32).strip().lower() or "unknown"
    if state not in KNOWN_STATES:
        notes.add(f"container {engine_id[:12]} is in state {state!r}, which Berth does not know (kept as is)")
    fields = {
        "name": reader.text("name", 255).lstrip("/") or engine_id[:12],
        "image": reader.text("image", 512),
        "image_id": reader.text("image_id", 128),
        "command": reader.text("command"),
        "state": state,
        "created": reader.time("created"),
        "ports": reader.object_list("ports"),
        "labels": reader.text_dict("labels"),
        "mounts": reader.object_list("mounts"),
        "networks": reader.text_list("networks"),
    }
    inspect = record.get("inspect")
    if inspect is not None and not isinstance(inspect, dict):
        notes.add(f"container {engine_id[:12]} has an inspect that is not an object (ignored)")
        inspect = None
    if inspect is not None:
        fields.update(
            started_at=reader.time("started_at"),
            finished_at=reader.time("finished_at"),
            exit_code=_exit_code(reader),
            restart_count=min(max(reader.integer("restart_count") or 0, 0), INT32),
            health=reader.text("health", 32),
            inspect=inspect,
        )
    return engine_id, fields


def apply_containers(host: Host, version: int, batch: InventoryBatch, notes: Notes, now: datetime) -> MirrorResult:
    upserts = {}
    for record in batch.containers:
        if read := container_fields(record, notes):
            engine_id, fields = read
            upserts[engine_id] = fields
    listed = batch.snapshot.container_ids if batch.snapshot is not None else None
    return mirror(host, Container, version, upserts, batch.removed_containers, listed, now)
