"""Pushing inventory changes to open pages through the channel layer (`/ws/events/`)."""

from __future__ import annotations

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework.utils.encoders import JSONEncoder

from portal.hosts.api.serializers import HostSerializer

__all__ = ["HOSTS_GROUP", "host_group", "publish_host", "publish_host_removed"]

log = logging.getLogger(__name__)

# Every events consumer listens here for hosts it does not know yet, and asks the policy.
HOSTS_GROUP = "events.hosts"


def host_group(host_id: int) -> str:
    return f"events.host.{host_id}"


def _send(group: str, host_id: int, event: dict) -> None:
    # Serializer output holds datetimes; the channel layer carries plain types only.
    message = {
        "type": "berth.event",
        "host_id": host_id,
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
