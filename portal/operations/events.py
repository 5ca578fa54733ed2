"""Telling open pages about an operation: its own live view (`/ws/operations/{id}/`) gets the
whole record, every page's navbar indicator (`/ws/events/`) a summary."""

from __future__ import annotations

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework.utils.encoders import JSONEncoder

from portal.events.publish import _send, host_group
from portal.operations.models import Operation
from workers.protocol import operation_group

__all__ = ["publish_operation"]

log = logging.getLogger(__name__)


def publish_operation(operation: Operation) -> None:
    from portal.operations.api.serializers import OperationSerializer

    data = json.loads(json.dumps(OperationSerializer(operation).data, cls=JSONEncoder))
    try:
        async_to_sync(get_channel_layer().group_send)(
            operation_group(operation.pk), {"type": "operation.state", "operation": data}
        )
    except Exception:  # its viewer misses one update; the database is right and a reload shows it
        log.exception("Could not publish operation %s", operation.pk)
    summary = {k: data[k] for k in ("id", "kind", "state", "host", "target_repr", "username", "error")}
    _send(
        host_group(operation.host_id),
        operation.host_id,
        {"type": "operation.updated", "operation": summary},
        action="operation.view",
    )
