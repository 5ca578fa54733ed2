"""Networks' events for open pages (`/ws/events/`): what the lists show of each changed one."""

from __future__ import annotations

from portal.inventory.events import publish_changes
from portal.inventory.mirror import MirrorResult
from portal.networks.api.serializers import NetworkSerializer
from portal.networks.models import Network

__all__ = ["publish_networks"]


def publish_networks(host_id: int, changes: MirrorResult) -> None:
    publish_changes(host_id, "network", Network.objects.select_related("host"), NetworkSerializer, changes)
