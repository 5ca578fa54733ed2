"""The last bytes a terminal session sent its web side, numbered from the stream's first byte, so
that a web side coming back (wire.stream_resume) is sent exactly what it lacks."""

from __future__ import annotations

from collections import deque

__all__ = ["OutputTail"]


class OutputTail:
    """At least the last `capacity` bytes of output (whole chunks: a little more)."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.start = 0  # the number of the oldest byte held
        self.held = 0
        self._chunks: deque[bytes] = deque()

    @property
    def end(self) -> int:
        """The number of the next byte: how many were sent in all."""
        return self.start + self.held

    def append(self, data: bytes) -> None:
        if not data:
            return
        self._chunks.append(bytes(data))
        self.held += len(data)
        while self.held - len(self._chunks[0]) >= self.capacity:
            dropped = self._chunks.popleft()
            self.held -= len(dropped)
            self.start += len(dropped)

    def since(self, offset: int) -> tuple[int, bytes]:
        """(where it starts, the bytes from `offset` on); from the oldest byte held when `offset`
        is older than that, or is not one this stream reached."""
        data = b"".join(self._chunks)
        if not self.start <= offset <= self.end:
            return self.start, data
        return offset, data[offset - self.start :]
