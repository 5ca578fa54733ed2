"""Containers' events for open pages (`/ws/events/`): what the lists show of each changed one."""

from __future__ import annotations

from portal.containers.api.serializers import ContainerSerializer
from portal.containers.models import Container
from portal.inventory.events import publish_changes
from portal.inventory.mirror import MirrorResult

__all__ = ["publish_containers"]


def publish_containers(host_id: int, changes: MirrorResult) -> None:
    publish_changes(host_id, "container", Container.objects.select_related("host"), ContainerSerializer, changes)
