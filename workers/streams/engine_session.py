"""A stream session that reads one container from this host's engine (logs, stats)."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from engine import Engine, EngineUnavailable
from engine.streaming import ContainerNotFound, inspect_container
from workers.streams.pump import Pump
from workers.streams.session import StreamError, StreamSession

__all__ = ["EngineSession"]


class EngineSession(StreamSession):
    """Each session has an engine client of its own: its stream holds a connection for as
    long as it lives, on a thread of its own (the SDK's pool is not shared across threads)."""

    docker_host: ClassVar[str] = ""
    # What `open` opened (an engine stream with a close()) and the pump that reads it.
    source = None
    pump: Pump | None = None

    @classmethod
    def serving(cls, docker_host: str) -> type[EngineSession]:
        """This kind of session for the engine at `docker_host`, ready to `register`."""
        return type(cls.__name__, (cls,), {"docker_host": docker_host})

    def __init__(self, streams, request):
        super().__init__(streams, request)
        self.engine = Engine(self.docker_host or None)

    async def engine_call(self, function, *args):
        """Runs a blocking engine call off the loop; the engine's failures become sentences."""
        try:
            return await asyncio.to_thread(function, self.engine, *args)
        except ContainerNotFound as exc:
            raise StreamError("This container no longer exists on its host.") from exc
        except EngineUnavailable as exc:
            raise StreamError(f"The host's Docker engine did not answer: {exc}") from exc

    async def stopped_reason(self) -> tuple[int | None, str]:
        """Why a followed stream of this container ended: it stopped, or it was removed."""
        try:
            state = (await asyncio.to_thread(inspect_container, self.engine, self.container)).get("State") or {}
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
        await asyncio.to_thread(self.engine.close)
