"""`stats.open`: a running container's resource use, one sample (engine.stats) about every second."""

from __future__ import annotations

from engine.stats import open_stats
from engine.streaming import inspect_container
from workers.streams.engine_session import EngineSession
from workers.streams.pump import Pump
from workers.streams.session import StreamError

__all__ = ["StatsSession"]

# Samples read ahead of what was sent (a few seconds'): a paused or slow viewer stops the reading.
READ_AHEAD = 4


class StatsSession(EngineSession):
    kind = "stats"
    reads_on_a_thread = True

    def __init__(self, streams, request, **context):
        super().__init__(streams, request, **context)
        self.pump = Pump(READ_AHEAD, name="stats")

    async def open(self) -> dict:
        state = (await self.blocking(inspect_container, self.engine, self.container)).get("State") or {}
        if not state.get("Running"):
            raise StreamError("The container is not running: it has no live stats.")
        self.source = await self.blocking(open_stats, self.engine, self.container)
        return {}

    async def produce(self) -> tuple[int | None, str]:
        self.pump.start(([sample] for sample in self.source), close=self.source.close)
        while (samples := await self.pump.take()) is not None:
            for sample in samples:
                await self.emit(sample.as_dict())
        self.raise_if_read_failed("stats")
        return await self.stopped_reason()
