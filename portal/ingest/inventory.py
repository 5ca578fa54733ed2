"""Applying the inventory part of a host worker's report: its containers and images, at one version."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from portal.containers.records import apply_containers
from portal.events.publish import publish_inventory
from portal.hosts.broker import request_inventory_resync
from portal.hosts.models import Host
from portal.images.records import apply_images
from portal.inventory.batch import InventoryBatch
from portal.inventory.fields import Notes
from portal.inventory.mirror import MirrorResult
from portal.inventory.versions import inventory_version

__all__ = ["apply_inventory"]

log = logging.getLogger(__name__)


def apply_inventory(host: Host, batch: InventoryBatch, now: datetime) -> tuple[MirrorResult, MirrorResult]:
    """Apply `batch` from the host's current worker; call inside the transaction that locked the
    host's row. Open pages hear of the changes once the transaction commits."""
    version = inventory_version(host.generation, batch.observed_seq)
    notes = Notes()
    containers = apply_containers(host, version, batch, notes, now)
    images = apply_images(host, version, batch, notes, now)
    notes.log(host.slug)
    log.debug(
        "Inventory of host '%s' at %s: containers +%d ~%d -%d, images +%d ~%d -%d",
        host.slug,
        version,
        len(containers.created),
        len(containers.updated),
        len(containers.removed),
        len(images.created),
        len(images.updated),
        len(images.removed),
    )
    host_id, slug = host.pk, host.slug
    transaction.on_commit(lambda: publish_inventory(host_id, containers, images))
    if containers.missing or images.missing:
        log.warning(
            "Host '%s' listed %d containers and %d images the portal never received",
            slug,
            len(containers.missing),
            len(images.missing),
        )
        transaction.on_commit(lambda: request_inventory_resync(slug))
    return containers, images
