"""`/ws/operations/{id}/`: one operation live — its record, the progress so far (so a viewer who
joins late sees every layer and log line up to now), each batch of progress after that, and
its final state.

The progress is its host's only when that host MACed it with the operation's key
(portal.operations.progress, wire.progress): any host may write into the operation's group and
its snapshot key, so a batch or a snapshot without that MAC is dropped, logged once per operation
and noted on the host's page (portal.ws.streams.ForgedNotes), and the viewer never sees it. An
`operation.state` message carries nothing this socket believes: whoever sent it, it means "read
the record again", and what the viewer gets is the database's."""

from __future__ import annotations

import asyncio
import logging

import redis
from channels.db import database_sync_to_async

from portal.access.policy import can
from portal.hosts.broker import _redis
from portal.operations.api.serializers import OperationDetailSerializer, OperationSerializer
from portal.operations.models import Operation
from portal.operations.progress import progress_key_for
from portal.refusals import NotFound
from portal.ws.consumers import BerthJsonConsumer
from portal.ws.streams import ForgedNotes
from wire.names import operation_group, operation_progress_key
from wire.progress import OperationProgress, ProgressSnapshot, verified_snapshot
from wire.stream_signing import StreamKey

__all__ = ["OperationConsumer"]

log = logging.getLogger(__name__)

VIEW = "operation.view"
# The least time between two reads of the record for one viewer: a flood of `operation.state`
# messages (anyone may send them) costs each viewer at most this many reads a second.
REREAD_EVERY = 0.05


def _visible(operation_id: int, access):
    return Operation.objects.restrict(access, VIEW).select_related("host").filter(pk=operation_id).first()


def _record(operation_id: int, access) -> tuple[Operation, dict] | None:
    operation = _visible(operation_id, access)
    if operation is None:
        return None
    return operation, OperationDetailSerializer(operation, context={"access": access}).data


def _state(operation_id: int, access) -> dict | None:
    """The record as it is now, without its log (the viewer has it already, line by line)."""
    operation = _visible(operation_id, access)
    return None if operation is None else OperationSerializer(operation, context={"access": access}).data


def _progress_so_far(operation: Operation, key: StreamKey) -> tuple[dict, bool]:
    """While it runs, the worker's snapshot in Redis; once it ended, what the record kept. And
    whether Redis held a snapshot its host did not make (then the viewer starts from nothing)."""
    if not operation.active:
        progress = operation.progress or {}
        return {**progress, "log": operation.log.splitlines() if operation.log else [], "seq": None}, False
    try:
        raw = _redis().get(operation_progress_key(operation.host.slug, operation.pk))
    except redis.RedisError as exc:
        log.warning("Progress of operation %s unreadable: %s", operation.pk, exc)
        raw = None
    snapshot = verified_snapshot(key, raw)
    return (snapshot or ProgressSnapshot()).to_wire(), raw is not None and snapshot is None


class OperationConsumer(BerthJsonConsumer):
    rereading: asyncio.Task | None = None
    state_due = False
    last_read = float("-inf")

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
        self.key = progress_key_for(operation.pk, operation.host_id)
        self.forged = ForgedNotes(
            operation.host.slug, "progress", where=f"operation {operation.pk}'s progress", shared=f"op:{operation.pk}"
        )
        snapshot, forged = await database_sync_to_async(_progress_so_far)(operation, self.key)
        if forged:
            await self.forged.note({"type": "operation.snapshot"})
        self.seen = snapshot.get("seq") or 0
        if snapshot.get("seq") is None:
            self.seen = float("inf")  # it ended: no batch is news any more
        await self.send_json({"type": "operation", "operation": data})
        await self.send_json({"type": "snapshot", **snapshot, "seq": self.seen if self.seen != float("inf") else -1})

    async def still_allowed(self) -> bool:
        return can(self.access, VIEW, self.host_id)

    async def operation_progress(self, message):
        signed = self.key.verify(message)
        try:
            batch = None if signed is None else OperationProgress.from_wire(signed)
        except (KeyError, TypeError, ValueError):
            batch = None
        if batch is None or batch.operation != self.operation_id:
            await self.forged.note(message)
            return
        if batch.seq <= self.seen:
            return
        self.seen = batch.seq
        await self.send_json({**batch.to_wire(), "type": "progress"})

    async def operation_state(self, message):
        self.state_due = True
        if self.rereading is None or self.rereading.done():
            self.rereading = self.background(self._reread())

    async def _reread(self) -> None:
        """Reads the record at once, or REREAD_EVERY after the last read; messages that came
        meanwhile make one read, not one each."""
        loop = asyncio.get_running_loop()
        while self.state_due and not self.closed:
            if (wait := self.last_read + REREAD_EVERY - loop.time()) > 0:
                await asyncio.sleep(wait)
            self.state_due = False
            self.last_read = loop.time()
            data = await database_sync_to_async(_state)(self.operation_id, self.access)
            if data is None:  # no longer visible: access_changed closes the socket
                return
            await self.send_json({"type": "operation", "operation": data})

    async def disconnect(self, code):
        if self.rereading is not None:
            self.rereading.cancel()
        await super().disconnect(code)
