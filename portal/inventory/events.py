"""Events for the mirrored objects one inventory report changed: one per container or image."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.serializers import Serializer

from portal.events.publish import publish
from portal.inventory.mirror import MirrorResult

__all__ = ["publish_changes"]


def publish_changes(
    host_id: int, kind: str, queryset: QuerySet, serializer_class: type[Serializer], changes: MirrorResult
) -> None:
    """An event `{kind}.created|updated|removed` per changed row of `queryset`, in pk order, each
    for users the policy lets `{kind}.view` on the host."""
    types = {pk: f"{kind}.created" for pk in changes.created}
    types.update({pk: f"{kind}.updated" for pk in changes.updated})
    types.update({pk: f"{kind}.removed" for pk in changes.removed})
    for row in queryset.filter(pk__in=types).order_by("pk"):
        publish(host_id, {"type": types[row.pk], kind: serializer_class(row).data}, action=f"{kind}.view")
