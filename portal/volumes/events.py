"""Volumes' events for open pages (`/ws/events/`): what the lists show of each changed one."""

from __future__ import annotations

from portal.inventory.events import publish_changes
from portal.inventory.mirror import MirrorResult
from portal.volumes.api.serializers import VolumeSerializer
from portal.volumes.models import Volume

__all__ = ["publish_volumes"]


def publish_volumes(host_id: int, changes: MirrorResult) -> None:
    publish_changes(host_id, "volume", Volume.objects.select_related("host"), VolumeSerializer, changes)
