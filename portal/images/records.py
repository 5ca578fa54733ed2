"""A host worker's image records (wire.records.ImageRecord, sent as its to_wire()) as rows and tags."""

from __future__ import annotations

from datetime import datetime

from portal.access.secrets import scrub_build_args
from portal.hosts.models import Host
from portal.images.models import Image
from portal.images.tags import TagName, replace_tags, tag_names
from portal.inventory.fields import Notes, RecordReader
from portal.inventory.mirror import MirrorResult, mirror
from wire.inventory import InventoryBatch

__all__ = ["apply_images", "image_fields"]

MAX_SIZE = 2**63 - 1


def _layer(reader: RecordReader, layer: dict) -> dict:
    diff_id = layer.get("diff_id")
    layer_reader = RecordReader(layer, f"{reader.label} layer", reader.notes)
    created = layer_reader.time("created")
    return {
        "diff_id": diff_id if isinstance(diff_id, str) and diff_id else None,
        "size": max(layer_reader.integer("size") or 0, 0),
        # Build-arg values are never stored (Docker writes them into a RUN step's history).
        "created_by": scrub_build_args(layer_reader.text("created_by")),
        "created": created.isoformat() if created else None,
        "comment": layer_reader.text("comment"),
    }


def image_fields(record: dict, notes: Notes) -> tuple[str, dict, dict[TagName, str]] | None:
    """The record's engine id, the fields it carries and its tags (name -> digest), or None when
    it names no image. A record without `layers` carries none, so the row keeps its own."""
    engine_id = record.get("engine_id")
    if not isinstance(engine_id, str) or not engine_id.strip():
        notes.add("an image record without an engine_id was left out")
        return None
    engine_id = engine_id.strip()
    reader = RecordReader(record, f"image {engine_id[:19]}", notes)
    digests = reader.text_list("digests")
    fields = {
        "size": min(max(reader.integer("size") or 0, 0), MAX_SIZE),
        "created": reader.time("created"),
        "labels": reader.text_dict("labels"),
        "parent_id": reader.text("parent_id", 128),
        "digests": digests,
    }
    if record.get("layers") is not None:
        fields["layers"] = [_layer(reader, layer) for layer in reader.object_list("layers")]
    return engine_id, fields, tag_names(reader.text_list("tags"), digests, reader)


def apply_images(host: Host, version: int, batch: InventoryBatch, notes: Notes, now: datetime) -> MirrorResult:
    upserts, tags = {}, {}
    for record in batch.images:
        if read := image_fields(record, notes):
            engine_id, upserts[engine_id], tags[engine_id] = read
    listed = batch.snapshot.image_ids if batch.snapshot is not None else None
    result = mirror(host, Image, version, upserts, batch.removed_images, listed, now)
    retagged = replace_tags(host, version, [(image, tags[e]) for e, image in result.applied.items()], notes)
    result.updated.extend(pk for pk in sorted(retagged) if pk not in result.created and pk not in result.updated)
    return result
