"""`logs.open`: a container's logs, followed live, as batches of {"stream", "data"}.

Lines are read from the engine on a thread of their own (workers.streams.pump) and leave in
batches: whatever piled up while the last batch travelled, joined per stream, never more than
MAX_BATCH characters. When the browser is behind or paused, the bridge's credit window stops
`emit`, the pump fills and the reading thread stops reading the engine.
"""

from __future__ import annotations

import asyncio

from engine.logs import LogOptions, open_logs
from wire import streams as m
from workers.streams.engine_session import EngineSession
from workers.streams.pump import Pump

__all__ = ["LogsSession", "batch_pieces", "log_options"]

MAX_BATCH = m.MAX_CHUNK
# Characters read ahead of what was sent: beyond it the engine is not read.
READ_AHEAD = 1024 * 1024
# How long a batch waits for more lines once the first arrived: a fast writer's lines travel
# together (tens of batches a second), a slow one's still arrive at once to the eye.
LINGER = 0.02


def log_options(request: dict) -> LogOptions:
    tail, since = request.get("tail"), request.get("since")
    return LogOptions(
        tail=None if tail is None else int(tail),
        since=None if since is None else float(since),
        timestamps=bool(request.get("timestamps")),
        follow=bool(request.get("follow", True)),
    )


def batch_pieces(pieces: list[tuple[str, str]], limit: int = MAX_BATCH) -> list[list[dict]]:
    """(stream, text) pieces as batches of {"stream", "data"}: a stream's consecutive pieces
    joined, each batch at most `limit` characters (a longer piece is cut)."""
    batches: list[list[dict]] = []
    batch: list[tuple[str, list[str]]] = []  # (stream, its parts), joined once at the end
    size = 0

    def close_batch():
        batches.append([{"stream": stream, "data": "".join(parts)} for stream, parts in batch])

    for stream, text in pieces:
        while text:
            room = limit - size
            if room <= 0:
                close_batch()
                batch, size, room = [], 0, limit
            part, text = (text, "") if len(text) <= room else (text[:room], text[room:])
            if batch and batch[-1][0] == stream:
                batch[-1][1].append(part)
            else:
                batch.append((stream, [part]))
            size += len(part)
    if batch:
        close_batch()
    return batches


class LogsSession(EngineSession):
    kind = "logs"
    reads_on_a_thread = True

    def __init__(self, streams, request, **context):
        super().__init__(streams, request, **context)
        self.options = log_options(request)
        self.pump: Pump[tuple[str, str]] = Pump(READ_AHEAD, weight=lambda piece: len(piece[1]), name="logs")

    async def open(self) -> dict:
        self.source = await self.blocking(open_logs, self.engine, self.container, self.options)
        return {"tty": self.source.tty}

    async def produce(self) -> tuple[int | None, str]:
        self.pump.start(self.source)
        while (pieces := await self.pump.take()) is not None:
            if sum(len(text) for _, text in pieces) < MAX_BATCH:
                await asyncio.sleep(LINGER)
                pieces += self.pump.take_nowait()
            for batch in batch_pieces(pieces):
                await self.emit(batch)
        self.raise_if_read_failed("logs")
        if not self.options.follow:
            return 0, "The end of the logs."
        return await self.stopped_reason()
