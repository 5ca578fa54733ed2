"""Pushing inventory changes to open pages through the channel layer (`/ws/events/`)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework.utils.encoders import JSONEncoder

from portal.containers.api.serializers import ContainerSerializer
from portal.containers.models import Container
from portal.hosts.api.serializers import HostSerializer
from portal.images.api.serializers import ImageSerializer
from portal.images.models import Image

if TYPE_CHECKING:
    from portal.inventory.mirror import MirrorResult

__all__ = ["HOSTS_GROUP", "host_group", "publish_host", "publish_host_removed", "publish_inventory"]

log = logging.getLogger(__name__)

# Every events consumer listens here for hosts it does not know yet, and asks the policy.
HOSTS_GROUP = "events.hosts"
# More changes than this from one report are told as one `inventory.changed`: pages refetch.
INVENTORY_EVENTS_AT_MOST = 50


def host_group(host_id: int) -> str:
    return f"events.host.{host_id}"


def _send(group: str, host_id: int, event: dict, action: str = "host.view") -> None:
    """Send `event` to `group`; consumers forward it to users the policy lets `action` on the host."""
    # Serializer output holds datetimes; the channel layer carries plain types only.
    message = {
        "type": "berth.event",
        "host_id": host_id,
        "action": action,
        "event": json.loads(json.dumps(event, cls=JSONEncoder)),
    }
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:  # an open page misses one live update; the database is still right
        log.exception("Could not publish an event to %s", group)


def publish_host(host, created: bool = False) -> None:
    event = {"type": "host.created" if created else "host.updated", "host": HostSerializer(host).data}
    _send(HOSTS_GROUP if created else host_group(host.pk), host.pk, event)


def publish_host_removed(host_id: int) -> None:
    _send(host_group(host_id), host_id, {"type": "host.removed", "host": {"id": host_id}})


def _publish_changes(host_id: int, kind: str, queryset, serializer_class, changes: MirrorResult) -> None:
    types = {pk: f"{kind}.created" for pk in changes.created}
    types.update({pk: f"{kind}.updated" for pk in changes.updated})
    types.update({pk: f"{kind}.removed" for pk in changes.removed})
    for row in queryset.filter(pk__in=types).order_by("pk"):
        event = {"type": types[row.pk], kind: serializer_class(row).data}
        _send(host_group(host_id), host_id, event, action=f"{kind}.view")


def publish_inventory(host_id: int, containers: MirrorResult, images: MirrorResult) -> None:
    """Tell open pages what one inventory report changed on a host: an event per container or
    image, or when there are many, one `inventory.changed` for pages to refetch."""
    changed = sum(len(c.created) + len(c.updated) + len(c.removed) for c in (containers, images))
    if changed == 0:
        return
    if changed > INVENTORY_EVENTS_AT_MOST:
        _send(host_group(host_id), host_id, {"type": "inventory.changed", "host": host_id})
        return
    _publish_changes(host_id, "container", Container.objects.select_related("host"), ContainerSerializer, containers)
    _publish_changes(
        host_id, "image", Image.objects.select_related("host").prefetch_related("tags"), ImageSerializer, images
    )
