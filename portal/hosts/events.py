"""A host's events for open pages (`/ws/events/`): what the hosts list shows of it."""

from __future__ import annotations

from portal.events.publish import publish
from portal.hosts.api.serializers import HostSerializer
from portal.hosts.models import Host

__all__ = ["publish_host", "publish_host_removed"]


def publish_host(host: Host, created: bool = False) -> None:
    event = {"type": "host.created" if created else "host.updated", "host": HostSerializer(host).data}
    publish(host.pk, event, new_host=created)


def publish_host_removed(host_id: int) -> None:
    publish(host_id, {"type": "host.removed", "host": {"id": host_id}})
