"""The host worker's one event loop and channel-layer connection, for every stream it serves.

Celery runs operations in its thread pool; streams (terminals, logs, stats, progress) live
here instead, in one long-lived asyncio loop on a thread of its own, so they never take an
operation slot and never start a loop or a Redis connection per message.

Requests to open a stream arrive on the host's well-known channel
(`wire.names.host_stream_channel`) and are handed, by their "type", to the handler
registered for it. A request carries a `deadline` (epoch seconds): one that waited in Redis
past it (the worker was down, say) is dropped, because the browser that sent it gave up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from channels_redis.core import RedisChannelLayer

try:
    import uvloop
except ImportError:  # a platform uvloop does not build on (the lock installs it everywhere else)
    uvloop = None

from wire.keys import HostKeys
from wire.layer import BerthChannelLayer, channel_layer_config
from wire.names import PORTAL_CHANNEL_OWNER

__all__ = ["Handler", "StreamLoop"]

log = logging.getLogger(__name__)

Handler = Callable[[dict], Awaitable[None]]


class StreamLoop:
    """Start with start(), stop with stop(); handlers are registered before start()."""

    def __init__(
        self,
        redis_url: str,
        channel: str,
        *,
        layer: RedisChannelLayer | None = None,
        owner: str = PORTAL_CHANNEL_OWNER,
        keys: HostKeys | None = None,
    ):
        self.channel = channel
        # The host's keys: each stream's key is sealed to them (wire.stream_signing). Without
        # them no stream is served, since the web side refuses what is not signed.
        self.keys = keys
        # owner: what this process's channels start with (wire.names.host_channel_owner).
        self.layer = layer or BerthChannelLayer(**channel_layer_config(redis_url), owner=owner)
        # uvloop where it is installed (as the web process's uvicorn uses): under a hundred busy
        # terminals the stock loop's selector, registering and unregistering every socket for
        # each read, was a fifth of this loop (py-spy, docs/architecture.md).
        self.loop = uvloop.new_event_loop() if uvloop is not None else asyncio.new_event_loop()
        self._handlers: dict[str, Handler] = {}
        self._tasks: set[asyncio.Task] = set()
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._thread: threading.Thread | None = None
        self._serving: asyncio.Task | None = None
        self._stopping = False

    def register(self, message_type: str, handler: Handler) -> None:
        """`handler(message)` runs as a task of its own for each request of this type. A kind of
        stream registers through StreamSession.register; a one-shot request (a container's diff)
        registers its handler here."""
        self._handlers[message_type] = handler

    def on_stop(self, closer: Callable[[], Awaitable[None]]) -> None:
        """`closer()` runs on the loop when the worker stops, before the remaining tasks are cancelled."""
        self._closers.append(closer)

    # -- running ---------------------------------------------------------------------------

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="berth-streams", daemon=True)
        self._thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self._serving = self.loop.create_task(self._serve())
        self.loop.call_soon(ready.set)
        self.loop.run_forever()
        self.loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is None or not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(timeout)
        except (concurrent.futures.TimeoutError, RuntimeError) as exc:
            log.warning("Streams did not stop cleanly: %s", exc)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)

    async def _shutdown(self) -> None:
        self._stopping = True
        if self._serving is not None:
            self._serving.cancel()
            # The Redis client can turn a cancellation during a blocking pop into a
            # ConnectionError, which _serve would retry: it checks _stopping too.
            await asyncio.wait([self._serving], timeout=2)
        for closer in self._closers:
            try:
                await asyncio.wait_for(closer(), 5)
            except Exception:
                log.exception("A stream did not close cleanly")
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        await self.layer.close_pools()

    async def _serve(self) -> None:
        while not self._stopping:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis went away: retry, the worker's heartbeat says so.
                if self._stopping:
                    return
                log.warning("Stream requests cannot be read (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            self._dispatch(message)

    def _dispatch(self, message: dict) -> None:
        kind = message.get("type", "")
        handler = self._handlers.get(kind)
        if handler is None:
            log.warning("Dropped a stream request of unknown type %r", kind)
            return
        if (deadline := message.get("deadline")) is not None and time.time() > deadline:
            log.info("Dropped a %s request that waited past its deadline", kind)
            return
        self.spawn(handler(message), name=kind)

    def spawn(self, coro: Coroutine, name: str = "stream") -> asyncio.Task:
        """A task the loop keeps until it ends; its failure is logged, never lost. Loop thread only."""
        task = self.loop.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("Stream task %s failed", task.get_name(), exc_info=exc)

    # -- from other threads (Celery's pool) ------------------------------------------------

    def submit(self, coro: Coroutine) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def send(self, channel: str, message: dict, timeout: float = 5.0) -> Any:
        """Sends on the channel layer from any thread; raises what the layer raises (ChannelFull)."""
        return self.submit(self.layer.send(channel, message)).result(timeout)

    def group_send(self, group: str, message: dict, timeout: float = 5.0) -> Any:
        """Sends to a group from any thread. The layer drops it for members at capacity."""
        return self.submit(self.layer.group_send(group, message)).result(timeout)
