"""The base of every stream the host worker serves from its engine (logs, stats, terminal, attach),
and what they share: the engine's address, one engine client for short calls, and the threads
those calls run on (an SDK call blocks, and never runs on the event loop).

A kind of stream subclasses EngineSession (workers.streams.session describes open, produce, the
on_* hooks and close) and is registered, like every other kind, with
`Kind.register(stream_loop, host=engine_host)` (workers.streams.kinds does it for all of them).
Blocking engine calls go through `await self.blocking(fn, *args)`, which turns the engine's
failures into sentences for the user.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from engine import Engine, EngineUnavailable
from engine.exec import ExecNotPossible
from engine.streaming import ContainerNotFound, inspect_container
from workers.streams.loop import StreamLoop
from workers.streams.pump import Pump
from workers.streams.session import StreamError, StreamSession

__all__ = ["EngineHost", "EngineSession"]


@dataclass
class EngineHost:
    """What the engine streams of one host worker share."""

    docker_host: str
    engine: Engine = field(init=False)
    pool: concurrent.futures.ThreadPoolExecutor = field(init=False)

    def __post_init__(self):
        self.engine = Engine(self.docker_host)
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="berth-engine")


class EngineSession(StreamSession):
    """A stream of one container on this host's engine.

    A session whose stream is read by a blocking thread for as long as it lives (logs, stats:
    `reads_on_a_thread`) has an engine client of its own, since the SDK's connection pool is not
    shared across threads; the others (terminal, attach, whose raw stream is read on the loop)
    use the host's. Such a session's stream (`source`) is read by a Pump, closed with the session.
    """

    reads_on_a_thread: ClassVar[bool] = False
    source: Any = None
    pump: Pump | None = None

    def __init__(self, streams: StreamLoop, request: dict, *, host: EngineHost):
        super().__init__(streams, request)
        self.host = host
        self.engine = Engine(host.docker_host) if self.reads_on_a_thread else host.engine

    async def on_threads(self, fn, *args, **kwargs):
        """`fn(*args, **kwargs)` on the host's threads, raising what it raises."""
        return await asyncio.get_running_loop().run_in_executor(self.host.pool, partial(fn, *args, **kwargs))

    async def blocking(self, fn, *args, **kwargs):
        """`fn(*args, **kwargs)` on the host's threads; the engine's failures become sentences."""
        try:
            return await self.on_threads(fn, *args, **kwargs)
        except ExecNotPossible as exc:
            raise StreamError(str(exc)) from None
        except ContainerNotFound:
            raise StreamError("This container no longer exists on its host.") from None
        except EngineUnavailable as exc:
            raise StreamError(f"The host's Docker engine did not answer: {exc}") from None

    async def stopped_reason(self) -> tuple[int | None, str]:
        """Why a followed stream of this container ended: it stopped, or it was removed."""
        try:
            state = (await self.on_threads(inspect_container, self.engine, self.container)).get("State") or {}
        except ContainerNotFound:
            return None, "The container was removed."
        except EngineUnavailable as exc:
            return None, f"The host's Docker engine stopped answering: {exc}"
        if state.get("Running"):
            return None, "The engine ended the stream."
        code = state.get("ExitCode")
        return code, f"The container stopped (exit code {code})." if code is not None else "The container stopped."

    def raise_if_read_failed(self, what: str) -> None:
        if self.pump is not None and self.pump.error is not None:
            raise StreamError(f"Reading the {what} failed on the host: {self.pump.error}")

    async def close(self) -> None:
        if self.pump is not None:
            self.pump.stop()
        if self.source is not None:
            self.source.close()
        if self.engine is not self.host.engine:
            await asyncio.to_thread(self.engine.close)
