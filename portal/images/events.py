"""Images' events for open pages (`/ws/events/`): what the lists show of each changed one."""

from __future__ import annotations

from portal.images.api.serializers import ImageSerializer
from portal.images.models import Image
from portal.inventory.events import publish_changes
from portal.inventory.mirror import MirrorResult

__all__ = ["publish_images"]


def publish_images(host_id: int, changes: MirrorResult) -> None:
    queryset = Image.objects.select_related("host").prefetch_related("tags")
    publish_changes(host_id, "image", queryset, ImageSerializer, changes)
