"""`/ws/operations/{id}/`: one operation live — its record, the progress so far (so a viewer who
joins late sees every layer and log line up to now), each batch of progress after that, and
its final state."""

from __future__ import annotations

import json
import logging

import redis
from channels.db import database_sync_to_async

from portal.access.policy import can
from portal.access.secrets import mask_event, may_see_secrets
from portal.hosts.broker import _redis
from portal.operations.api.serializers import OperationDetailSerializer
from portal.operations.models import Operation
from portal.refusals import NotFound
from portal.ws.consumers import BerthJsonConsumer
from wire.names import operation_group, operation_progress_key

__all__ = ["OperationConsumer"]

log = logging.getLogger(__name__)

VIEW = "operation.view"


def _record(operation_id: int, access) -> tuple[Operation, dict] | None:
    operation = Operation.objects.restrict(access, VIEW).select_related("host").filter(pk=operation_id).first()
    if operation is None:
        return None
    return operation, OperationDetailSerializer(operation, context={"access": access}).data


def _progress_so_far(operation: Operation) -> dict:
    """While it runs, the worker's snapshot in Redis; once it ended, what the record kept."""
    if not operation.active:
        progress = operation.progress or {}
        return {**progress, "log": operation.log.splitlines() if operation.log else [], "seq": None}
    try:
        raw = _redis().get(operation_progress_key(operation.pk))
    except redis.RedisError as exc:
        log.warning("Progress of operation %s unreadable: %s", operation.pk, exc)
        raw = None
    return json.loads(raw) if raw else {"seq": 0, "layers": [], "log": [], "status": "", "step": ""}


class OperationConsumer(BerthJsonConsumer):
    async def start(self):
        self.operation_id = int(self.scope["url_route"]["kwargs"]["pk"])
        # Joined before reading what happened so far: nothing falls between the two; the
        # batches already in the snapshot are told apart by their sequence number.
        await self.join(operation_group(self.operation_id))
        found = await database_sync_to_async(_record)(self.operation_id, self.access)
        if found is None:
            raise NotFound("No such operation, or it is not visible to you.")
        operation, data = found
        self.host_id = operation.host_id
        snapshot = await database_sync_to_async(_progress_so_far)(operation)
        self.seen = snapshot.get("seq") or 0
        if snapshot.get("seq") is None:
            self.seen = float("inf")  # it ended: no batch is news any more
        await self.send_json({"type": "operation", "operation": data})
        await self.send_json({"type": "snapshot", **snapshot, "seq": self.seen if self.seen != float("inf") else -1})

    async def still_allowed(self) -> bool:
        return can(self.access, VIEW, self.host_id)

    async def operation_progress(self, message):
        if message["seq"] <= self.seen:
            return
        self.seen = message["seq"]
        await self.send_json({k: v for k, v in message.items() if k != "type"} | {"type": "progress"})

    async def operation_state(self, message):
        operation = message["operation"]
        if not may_see_secrets(self.access, self.host_id):
            operation = mask_event({"operation": operation})["operation"]
        # The final record carries the whole log; the viewer has it already, line by line.
        await self.send_json({"type": "operation", "operation": operation})
