"""Telling open pages about an operation: its own live view (`/ws/operations/{id}/`) gets the
whole record, every page's navbar indicator (`/ws/events/`) a summary."""

from __future__ import annotations

from portal.events.publish import plain, publish, send
from portal.operations.api.serializers import OperationSerializer
from portal.operations.models import Operation
from wire.names import operation_group

__all__ = ["publish_operation"]

SUMMARY_FIELDS = ("id", "kind", "state", "host", "target_repr", "username", "error")


def publish_operation(operation: Operation) -> None:
    # Its viewer may miss one update (send logs it): the database is right and a reload shows it.
    # Only the id: a host may write into this group too, so its sockets read the record themselves
    # (portal/operations/consumers.py) rather than believe a state in a message.
    send(operation_group(operation.pk), {"type": "operation.state", "operation": operation.pk})
    # Unmasked here: each socket masks for its own recipient (portal/access/secrets.py).
    data = plain(OperationSerializer(operation, context={"unmasked": True}).data)
    summary = {k: data[k] for k in SUMMARY_FIELDS}
    publish(operation.host_id, {"type": "operation.updated", "operation": summary}, action="operation.view")
