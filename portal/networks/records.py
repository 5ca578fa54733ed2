"""A host worker's network records (wire.records.NetworkRecord, sent as its to_wire()) as rows."""

from __future__ import annotations

from datetime import datetime

from portal.hosts.models import Host
from portal.inventory.fields import Notes, RecordReader
from portal.inventory.mirror import MirrorResult, mirror
from portal.networks.models import Network
from wire.inventory import InventoryBatch

__all__ = ["apply_networks", "network_fields"]


def network_fields(record: dict, notes: Notes) -> tuple[str, dict] | None:
    """The record's engine id and its fields, or None when it names no network."""
    engine_id = record.get("engine_id")
    if not isinstance(engine_id, str) or not engine_id.strip():
        notes.add(f"a network record without an engine_id was left out (name {record.get('name')!r:.60})")
        return None
    engine_id = engine_id.strip()
    reader = RecordReader(record, f"network {engine_id[:12]}", notes)
    containers = reader.entries("containers", ("engine_id", "name", "ipv4_address", "ipv6_address", "mac_address"))
    return engine_id, {
        "name": reader.text("name", 255) or engine_id[:12],
        "driver": reader.text("driver", 64),
        "scope": reader.text("scope", 32),
        "internal": reader.flag("internal"),
        "attachable": reader.flag("attachable"),
        "ingress": reader.flag("ingress"),
        "ipv6": reader.flag("ipv6"),
        "ipam": reader.entries("ipam", ("subnet", "gateway", "ip_range")),
        "options": reader.text_dict("options"),
        "labels": reader.text_dict("labels"),
        "created": reader.time("created"),
        "containers": containers,
        "container_count": len(containers),
    }


def apply_networks(host: Host, version: int, batch: InventoryBatch, notes: Notes, now: datetime) -> MirrorResult:
    upserts = {}
    for record in batch.networks:
        if read := network_fields(record, notes):
            engine_id, upserts[engine_id] = read
    listed = batch.snapshot.network_ids if batch.snapshot is not None else None
    return mirror(host, Network, version, upserts, batch.removed_networks, listed, now)
