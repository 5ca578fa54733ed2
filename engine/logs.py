"""A container's logs as the engine keeps them: since, tail, timestamps, followed live.

Stdout and stderr stay apart: without a TTY the engine multiplexes them (engine.demux);
with a TTY there is only one stream, reported as stdout.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.client import Engine
from engine.demux import Demuxer, TextDecoder
from engine.streaming import ContainerNotFound, EngineStream, inspect_container

__all__ = ["LogOptions", "LogStream", "container_tty", "open_logs", "since_param"]


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


def since_param(stamp: bytes) -> str:
    """An engine timestamp (RFC 3339 in UTC, nanoseconds: b"2026-01-31T12:00:00.123456789Z") as
    the engine's `since`, to the nanosecond (a float would round it)."""
    text = stamp.decode("ascii")
    seconds, _, fraction = text.rstrip("Z").partition(".")
    whole = int(datetime.strptime(seconds, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp())
    return f"{whole}.{fraction.ljust(9, '0')[:9]}"


class LogStream:
    """Iterates lists of (stream, text) pieces in the order the engine sends them. Pieces follow
    the engine's framing (one log entry each, usually a line) and no character is split.

    Followed, the stream ends when the container stops. Docker 20.10 then drops what a follower
    had not read yet (its log reader quits as soon as the container is gone), so a follower slower
    than a fast writer would lose the end. Entries are therefore read with their times, and when a
    follow ends on a stopped container the rest is read again from the last time seen, skipping
    the entries already given. (A TTY's output has no entries to count: it is read as it comes.)
    """

    def __init__(self, engine: Engine, container_id: str, options: LogOptions, tty: bool):
        self.engine = engine
        self.container_id = container_id
        self.options = options
        self.tty = tty
        self.stamped = not tty
        self._last: bytes = b""
        self._seen_at_last = 0
        self._closed = False
        self.raw = self._open(options.params())

    def _open(self, params: dict) -> EngineStream:
        if self.stamped:
            params = {**params, "timestamps": 1}
        return EngineStream(self.engine, "/containers/{0}/logs", self.container_id, params)

    def __iter__(self) -> Iterator[list[tuple[str, str]]]:
        yield from self._read(skip=0)
        if self.options.follow and self.stamped and self._last and not self._closed and self._stopped():
            skip = self._seen_at_last
            try:
                since = since_param(self._last)
            except ValueError:  # not a time this engine version writes: nothing to resume from
                return
            rest = {"follow": 0, "tail": "all", "since": since}
            self.raw = self._open({**self.options.params(), **rest})
            if self._closed:
                self.raw.close()
            yield from self._read(skip=skip, skip_time=self._last)

    def _read(self, skip: int, skip_time: bytes = b"") -> Iterator[list[tuple[str, str]]]:
        demuxer, text = Demuxer(self.tty), TextDecoder()
        keep_stamps = self.options.timestamps
        for chunk in self.raw.chunks():
            pieces = []
            for stream, data in demuxer.feed(chunk):
                if self.stamped:
                    stamp, _, entry = data.partition(b" ")
                    if skip and stamp == skip_time:
                        skip -= 1
                        continue
                    if stamp == self._last:
                        self._seen_at_last += 1
                    else:
                        self._last, self._seen_at_last = stamp, 1
                    if not keep_stamps:
                        data = entry
                pieces.append((stream, text.decode(stream, data)))
            if pieces:
                yield pieces
        if rest := text.flush():
            yield rest

    def _stopped(self) -> bool:
        try:
            return not (inspect_container(self.engine, self.container_id).get("State") or {}).get("Running")
        except ContainerNotFound:
            return False  # removed: its logs went with it

    def close(self) -> None:
        self._closed = True
        self.raw.close()


def container_tty(engine: Engine, container_id: str) -> bool:
    """Whether the container runs with a TTY (its logs are then one raw stream)."""
    return bool((inspect_container(engine, container_id).get("Config") or {}).get("Tty"))


def open_logs(engine: Engine, container_id: str, options: LogOptions) -> LogStream:
    """Opens the container's log stream; raises engine.streaming.ContainerNotFound or EngineUnavailable."""
    return LogStream(engine, container_id, options, container_tty(engine, container_id))
