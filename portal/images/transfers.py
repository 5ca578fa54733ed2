"""The web half of image transfers (wire.transfers): an upload sent to the host worker as it is
read from the request's file, an export read from the host worker as the browser takes it, and
the per-user cap on transfers in flight (BERTH_TRANSFERS_PER_USER)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from functools import cache

import redis
from channels.layers import get_channel_layer
from django.conf import settings

from portal.refusals import Conflict
from portal.ws.streams import ForgedNotes, sealed_key_for
from wire.names import host_stream_channel
from wire.stream_signing import KEY_FIELD
from wire.streams import OPEN_TIMEOUT
from wire.transfers import EXPORT_REQUEST, PEER_TIMEOUT, Transfer, TransferAborted, TransferForged, new_transfer_id

__all__ = ["export_body", "send_upload", "user_slot"]

log = logging.getLogger(__name__)

SLOT_TTL = PEER_TIMEOUT + 60  # a slot whose transfer stopped being touched is free again after this

# Atomic: drop expired slots, refuse when the user holds the most, else take one.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@cache
def _redis() -> redis.Redis:
    # Blocking reads wait up to PEER_TIMEOUT: the socket must wait longer (portal.hosts.broker's does not).
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=PEER_TIMEOUT + 10)


class Slot:
    """One of a user's transfers in flight; `touch()` while it moves, `release()` at its end."""

    def __init__(self, user_id: int):
        self.key = f"berth:transfers:user:{user_id}"
        self.member = uuid.uuid4().hex

    def take(self) -> Slot:
        cap = int(settings.BERTH_TRANSFERS_PER_USER)
        now = time.time()
        taken = _redis().eval(_TAKE, 1, self.key, now, cap, now + SLOT_TTL, self.member, int(SLOT_TTL))
        if not taken:
            raise Conflict(
                f"You have {cap} image uploads or downloads in flight, the most Berth allows at once "
                "(BERTH_TRANSFERS_PER_USER): wait for one to finish.",
                "too_many_transfers",
            )
        return self

    def touch(self) -> None:
        _redis().zadd(self.key, {self.member: time.time() + SLOT_TTL}, xx=True)

    def release(self) -> None:
        _redis().zrem(self.key, self.member)


def user_slot(user) -> Slot:
    return Slot(user.pk).take()


def send_upload(user, chunks: Iterable[bytes], start: Callable[[str], object]):
    """Takes one of the user's slots, starts the operation that reads the transfer (`start(id)`
    answers it), then sends `chunks` a window at a time as the host worker reads them; answers
    the operation. A worker that gives up or never reads ends the send: the operation reports why."""
    slot = user_slot(user)
    try:
        transfer = Transfer(_redis(), new_transfer_id())
        operation = start(transfer.id)

        def touched():
            for chunk in chunks:
                yield chunk
                slot.touch()

        try:
            transfer.write(touched())
        except TransferAborted as exc:
            log.info("An upload for operation %s stopped: %s", getattr(operation, "pk", "?"), exc)
            transfer.abort(f"The upload was given up: {exc}")
        return operation
    finally:
        slot.release()


async def export_body(slot: Slot, host, image: str) -> AsyncIterator[bytes]:
    """The image's tar as the host worker reads it from the engine (EXPORT_REQUEST), passed on
    chunk by chunk, each frame signed by the host (wire.transfers); releases `slot` at the end.
    A download that stops early tells the worker."""
    key, sealed = sealed_key_for(host)
    transfer = Transfer(_redis(), new_transfer_id(), key=key)
    reader = transfer.read(peer="host worker")
    finished = False
    try:
        deadline = time.time() + OPEN_TIMEOUT
        request = {"type": EXPORT_REQUEST, "transfer": transfer.id, "image": image, "deadline": deadline}
        await get_channel_layer().send(host_stream_channel(host.slug), {**request, KEY_FIELD: sealed})
        while True:
            # Each read waits in a thread: a blocking pop of the next chunk.
            chunk = await asyncio.to_thread(next, reader, None)
            if chunk is None:
                finished = True
                return
            yield chunk
            await asyncio.to_thread(slot.touch)
    except TransferForged as exc:
        finished = True
        await ForgedNotes(host.slug, "export").note({"type": "transfer frame"})
        log.info("The download of %s stopped: %s", image, exc)
    except TransferAborted as exc:
        finished = True
        log.info("The download of %s stopped: %s", image, exc)
    finally:
        if not finished:
            # The browser went away (or this side failed): the worker stops at its next window.
            await asyncio.to_thread(transfer.stop_reading, "The download stopped.")
        await asyncio.to_thread(slot.release)
