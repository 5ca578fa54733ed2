"""A container's logs as the engine keeps them: since, tail, timestamps, followed live.

Stdout and stderr stay apart: without a TTY the engine multiplexes them (engine.demux);
with a TTY there is only one stream, reported as stdout.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from engine.client import Engine
from engine.demux import Demuxer, TextDecoder
from engine.streaming import EngineStream, inspect_container

__all__ = ["LogOptions", "LogStream", "container_tty", "open_logs"]

MAX_TAIL = 100_000


@dataclass(frozen=True)
class LogOptions:
    """`tail`: the last N lines only (None: all). `since`: epoch seconds (None: from the start)."""

    tail: int | None = None
    since: float | None = None
    timestamps: bool = False
    follow: bool = True

    def params(self) -> dict:
        params = {
            "stdout": 1,
            "stderr": 1,
            "follow": int(self.follow),
            "timestamps": int(self.timestamps),
            "tail": "all" if self.tail is None else str(max(0, self.tail)),
        }
        if self.since:
            params["since"] = f"{self.since:.9f}"
        return params


class LogStream:
    """Iterates (stream, text) pieces in the order the engine sends them. Pieces follow the
    engine's framing (usually one line each), and text is decoded so no character is split."""

    def __init__(self, raw: EngineStream, tty: bool):
        self.raw = raw
        self.tty = tty

    def __iter__(self) -> Iterator[list[tuple[str, str]]]:
        """Yields the pieces of each chunk the engine sent, as a list (often of one)."""
        demuxer, text = Demuxer(self.tty), TextDecoder()
        for chunk in self.raw.chunks():
            frames = demuxer.feed(chunk)
            if frames:
                yield [(stream, text.decode(stream, data)) for stream, data in frames]
        if rest := text.flush():
            yield rest

    def close(self) -> None:
        self.raw.close()


def container_tty(engine: Engine, container_id: str) -> bool:
    """Whether the container runs with a TTY (its logs are then one raw stream)."""
    return bool((inspect_container(engine, container_id).get("Config") or {}).get("Tty"))


def open_logs(engine: Engine, container_id: str, options: LogOptions) -> LogStream:
    """Opens the container's log stream; raises engine.streaming.ContainerNotFound or EngineUnavailable."""
    tty = container_tty(engine, container_id)
    return LogStream(EngineStream(engine, "/containers/{0}/logs", container_id, options.params()), tty)
