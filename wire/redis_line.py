"""A pipelined Redis connection for the channel layer's hot commands: commands written as they
come, replies matched to them in order by one reader task.

redis-py's asyncio client spends about 150 µs of Python around each command (the pool's
condition and timeout, the connection health check, retries, metrics), against about 30 µs for
writing the command and parsing its reply on the same connection. A terminal keystroke crosses
the layer twice, a send and a receive each way, so that overhead was a third of its round trip.
The connection itself is still redis-py's (its URL options, authentication, TLS, database and
parser: hiredis when installed), made by the layer's pool but never checked into it.

A reply that comes after its caller stopped waiting (cancelled) is not lost: it goes to the
`orphan` callback given with the command (a receive's pop hands the messages to their channels).
A blocking command whose caller stopped waiting is ended at once with CLIENT UNBLOCK, sent on
one of the pool's connections: left blocked, it would hold the commands queued behind it, and
take for a receiver that is gone the message another is waiting for, until its own timeout.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["RedisLine"]

log = logging.getLogger(__name__)

# What the parser or the socket raise when Redis went away or stopped answering.
BROKEN = (RedisConnectionError, RedisTimeoutError, OSError, asyncio.IncompleteReadError, TimeoutError)
# Past this many bytes waiting to be written, a caller waits for Redis to read them.
WRITE_HIGH = 1024 * 1024

Orphan = Callable[[Any], None] | None


class _Wire:
    """One connection and the replies it owes, in order: (future, orphan callback, how long
    Redis may hold that reply)."""

    def __init__(self, connection: AbstractConnection, reply_timeout: float):
        self.connection = connection
        self.reply_timeout = reply_timeout
        self.waiting: collections.deque[tuple[asyncio.Future, Orphan, float]] = collections.deque()
        self.wake = asyncio.Event()
        self.broken = False
        self.client_id: int | None = None  # Redis's id of this connection (CLIENT UNBLOCK)
        self.reader = asyncio.get_running_loop().create_task(self._read(), name="redis line")

    def write(self, commands: Sequence[tuple], orphans: Sequence[Orphan], blocks: float) -> list[asyncio.Future]:
        loop = asyncio.get_running_loop()
        packed = []
        for command in commands:
            packed += self.connection.pack_command(*command)
        try:
            self.connection._writer.writelines(packed)
        except BROKEN as exc:
            self.fail(exc)
            raise RedisConnectionError(f"Writing to Redis failed: {exc}") from None
        futures = [loop.create_future() for _ in commands]
        self.waiting.extend(zip(futures, orphans, [blocks] * len(commands), strict=True))
        self.wake.set()
        return futures

    async def drain(self) -> None:
        writer = self.connection._writer
        if writer is not None and writer.transport.get_write_buffer_size() > WRITE_HIGH:
            await writer.drain()

    async def _read(self) -> None:
        parser = self.connection._parser
        try:
            while True:
                while not self.waiting:
                    self.wake.clear()
                    await self.wake.wait()
                async with asyncio.timeout(self.reply_timeout + self.waiting[0][2]):
                    reply = await parser.read_response()
                future, orphan, _ = self.waiting.popleft()
                if future.done():  # its caller stopped waiting
                    if orphan is not None and not isinstance(reply, ResponseError):
                        orphan(reply)
                elif isinstance(reply, ResponseError):
                    future.set_exception(reply)
                else:
                    future.set_result(reply)
        except asyncio.CancelledError:
            self.fail(RedisConnectionError("The Redis line was closed."))
            raise
        except BROKEN as exc:
            self.fail(exc)
        except Exception as exc:  # a reply the parser could not read: the connection cannot go on
            log.exception("A Redis reply could not be read; reconnecting")
            self.fail(exc)

    def fail(self, exc: BaseException) -> None:
        """The connection is broken (or closed on purpose): every reply it owes fails, and it closes."""
        self.broken = True
        waiting, self.waiting = self.waiting, collections.deque()
        for future, _, _ in waiting:
            if not future.done():
                future.set_exception(RedisConnectionError(f"Redis connection lost: {exc}"))
        if self.reader is not asyncio.current_task():
            self.reader.cancel()
        writer = self.connection._writer
        if writer is not None:
            writer.transport.abort()
        self.connection._reader = self.connection._writer = None
        self.connection._parser.on_disconnect()


class RedisLine:
    """Commands on connections of `pool`'s kind, one at a time. `call(*args)` returns the raw
    reply (bytes, ints, lists: no redis-py response callbacks) or raises ResponseError; a
    connection that breaks fails every command waiting on it with ConnectionError, and the next
    call connects again. `reply_timeout`: a connection owing a reply this long past the time
    Redis may hold it (a blocking pop's timeout) is taken as broken."""

    def __init__(self, pool: ConnectionPool, reply_timeout: float = 15.0):
        self.pool = pool
        self.reply_timeout = reply_timeout
        self.loop = asyncio.get_running_loop()
        self._wire: _Wire | None = None
        self._connecting = asyncio.Lock()
        self._unblocking: set[asyncio.Task] = set()
        self.closed = False

    async def call(self, *args: Any, orphan: Orphan = None, blocks: float = 0.0) -> Any:
        """One command; `blocks`: how long Redis may hold its reply (a blocking command's timeout)."""
        return (await self.calls([args], [orphan], blocks))[0]

    async def calls(self, commands: Sequence[tuple], orphans: Sequence[Orphan] = (), blocks: float = 0.0) -> list:
        """Several commands written at once (one round trip); their replies, in order. Sent once
        more, on a fresh connection, when the first turns out broken (after a Redis restart every
        idle connection is), like the layer's RETRY."""
        orphans = list(orphans) or [None] * len(commands)
        try:
            return await self._calls(commands, orphans, blocks)
        except RedisConnectionError:
            if self.closed:
                raise
            return await self._calls(commands, orphans, blocks)

    async def _calls(self, commands: Sequence[tuple], orphans: list[Orphan], blocks: float) -> list:
        wire = await self._connected()
        futures = wire.write(commands, orphans, blocks)
        try:
            await wire.drain()
            return [await future for future in futures]
        except asyncio.CancelledError:
            for future in futures:
                future.cancel()
            if blocks and not wire.broken and wire.client_id is not None:
                task = self.loop.create_task(self._unblock(wire.client_id), name="redis line unblock")
                self._unblocking.add(task)
                task.add_done_callback(self._unblocking.discard)
            raise

    async def _unblock(self, client_id: int) -> None:
        """Ends the blocking command of connection `client_id` as if it had timed out (its reply, a
        nil or what it popped just before, goes to its orphan callback). Not possible (Redis away):
        the block ends at its own timeout."""
        try:
            await Redis(connection_pool=self.pool).client_unblock(client_id)
        except (*BROKEN, ResponseError) as exc:
            log.debug("CLIENT UNBLOCK %s failed: %s", client_id, exc)

    async def _connected(self) -> _Wire:
        wire = self._wire
        if wire is not None and not wire.broken:
            return wire
        if self.closed:
            raise RedisConnectionError("The Redis line is closed.")
        async with self._connecting:
            if self._wire is None or self._wire.broken:
                connection = self._new_connection()
                try:
                    async with asyncio.timeout(self.reply_timeout):  # its handshake's replies too
                        await connection.connect()
                except BROKEN as exc:
                    await connection.disconnect(nowait=True)
                    raise RedisConnectionError(f"Connecting to Redis failed: {exc}") from None
                wire = _Wire(connection, self.reply_timeout)
                try:
                    (wire.client_id,) = await asyncio.gather(*wire.write([("CLIENT", "ID")], [None], 0))
                except BaseException:
                    wire.fail(RedisConnectionError("The Redis line's first command did not complete."))
                    raise
                self._wire = wire
            return self._wire

    def _new_connection(self) -> AbstractConnection:
        """A connection like the pool's, speaking RESP2: RESP3 (redis-py's default since 8.0) may
        send pushes between replies, which would break matching replies to commands in order, and
        it shapes some replies differently (ZPOPMIN's pairs nested); RESP2's are the same in every
        Redis version. Without pushes, no maintenance notifications (a RESP3 feature: redis-py
        refuses them on a RESP2 connection without hiredis)."""
        kwargs = {**self.pool.connection_kwargs, "protocol": 2}
        kwargs.update(maint_notifications_config=None, maint_notifications_pool_handler=None)
        return self.pool.connection_class(**kwargs)

    def close(self) -> None:
        """Closes the connection (from its own loop; a line of a loop that is gone goes with it)."""
        self.closed = True
        wire, self._wire = self._wire, None
        if wire is not None and not wire.broken:
            wire.fail(RedisConnectionError("The Redis line was closed."))
