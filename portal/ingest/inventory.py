"""Applying the inventory part of a host worker's report: its containers, images, networks and
volumes, at one version."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from portal.containers.events import publish_containers
from portal.containers.records import apply_containers
from portal.events.publish import publish
from portal.hosts.broker import request_inventory_resync
from portal.hosts.choices import HostStatus
from portal.hosts.models import Host
from portal.hosts.reports import Outcome, admit_inventory
from portal.images.events import publish_images
from portal.images.records import apply_images
from portal.inventory.fields import Notes
from portal.inventory.mirror import MirrorResult
from portal.inventory.versions import inventory_version
from portal.networks.events import publish_networks
from portal.networks.records import apply_networks
from portal.stacks.events import publish_stacks
from portal.stacks.mirror import sync_stacks
from portal.volumes.events import publish_volumes
from portal.volumes.records import apply_volumes
from wire.inventory import InventoryBatch

__all__ = ["INVENTORY_EVENTS_AT_MOST", "apply_inventory", "apply_inventory_report", "resync_online_hosts"]

log = logging.getLogger(__name__)

# More changes than this from one report are told as one `inventory.changed`: pages refetch.
INVENTORY_EVENTS_AT_MOST = 50


def resync_online_hosts() -> int:
    """Asks every online host for a full inventory; how many were asked. Run at the portal
    worker's start: the reports a portal worker had taken from the queue when it was killed are
    lost with it, and would otherwise be healed only by each host's next reconcile (a minute)."""
    slugs = Host.objects.filter(status=HostStatus.ONLINE).values_list("slug", flat=True)
    # Forced: an ask of the last half minute (a gap its predecessor saw) was answered to it, not to this one.
    return sum(request_inventory_resync(slug, force=True) for slug in slugs)


def apply_inventory_report(report: dict, batch: InventoryBatch, now: datetime) -> Outcome:
    """Apply an inventory report (already validated, `batch` its inventory) if its worker serves the host."""
    with transaction.atomic():
        host = admit_inventory(report, now)
        if host is None:
            return Outcome.REFUSED
        apply_inventory(host, batch, now)
    return Outcome.APPLIED


def apply_inventory(host: Host, batch: InventoryBatch, now: datetime) -> tuple[MirrorResult, ...]:
    """Apply `batch` from the host's current worker; call inside the transaction that locked the
    host's row. Open pages hear of the changes once the transaction commits."""
    version = inventory_version(host.generation, batch.observed_seq)
    notes = Notes()
    containers = apply_containers(host, version, batch, notes, now)
    images = apply_images(host, version, batch, notes, now)
    networks = apply_networks(host, version, batch, notes, now)
    volumes = apply_volumes(host, version, batch, notes, now)
    if containers.created or containers.updated or containers.removed:
        # Compose projects started outside Berth are stacks as soon as their containers are known.
        stacks = sync_stacks(host)
        transaction.on_commit(lambda: publish_stacks(host.pk, *stacks))
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
    transaction.on_commit(lambda: publish_inventory(host_id, containers, images, networks, volumes))
    if containers.missing or images.missing or networks.missing or volumes.missing:
        log.warning(
            "Host '%s' listed %d containers, %d images, %d networks and %d volumes the portal never received",
            slug,
            len(containers.missing),
            len(images.missing),
            len(networks.missing),
            len(volumes.missing),
        )
        transaction.on_commit(lambda: request_inventory_resync(slug))
    return containers, images, networks, volumes


def publish_inventory(
    host_id: int,
    containers: MirrorResult,
    images: MirrorResult,
    networks: MirrorResult,
    volumes: MirrorResult,
) -> None:
    """Tell open pages what one inventory report changed on a host: an event per container,
    image, network or volume, or when there are many, one `inventory.changed` for pages to refetch."""
    changed = sum(len(c.created) + len(c.updated) + len(c.removed) for c in (containers, images, networks, volumes))
    if changed == 0:
        return
    if changed > INVENTORY_EVENTS_AT_MOST:
        publish(host_id, {"type": "inventory.changed", "host": host_id})
        return
    publish_containers(host_id, containers)
    publish_images(host_id, images)
    publish_networks(host_id, networks)
    publish_volumes(host_id, volumes)
