"""Docker's multiplexed stream format: the logs (and attach) of a container without a TTY.

It is parsed incrementally (Demuxer), for the logs reader and the attach console alike.
Each frame is an 8-byte header — the stream (1 stdout, 2 stderr; 0 stdin), three zero bytes,
the payload's length as a big-endian 32-bit number — then the payload. An HTTP chunk may hold
several frames or part of one, so the parser keeps what it has not yet understood.
"""

from __future__ import annotations

import codecs
import struct

__all__ = ["STREAM_NAMES", "Demuxer", "TextDecoder"]

HEADER = struct.Struct(">BxxxL")
STREAM_NAMES = {0: "stdin", 1: "stdout", 2: "stderr"}


class Demuxer:
    """Feed it bytes as they arrive; it returns each complete frame as (stream name, payload).

    A TTY container's output is not multiplexed: everything is stdout, passed through as it comes.
    """

    def __init__(self, tty: bool = False):
        self.tty = tty
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        if self.tty:
            return [("stdout", bytes(data))] if data else []
        buffer = self._pending
        buffer += data
        frames: list[tuple[str, bytes]] = []
        offset, size = 0, len(buffer)
        while size - offset >= HEADER.size:
            stream, length = HEADER.unpack_from(buffer, offset)
            end = offset + HEADER.size + length
            if end > size:
                break
            if length:
                frames.append((STREAM_NAMES.get(stream, "stdout"), bytes(buffer[offset + HEADER.size : end])))
            offset = end
        del buffer[:offset]
        return frames

    def payload(self, data: bytes) -> bytes:
        """Like feed, for a reader that does not tell the streams apart (a console): the complete
        frames' payloads joined, in order. A TTY's bytes pass through."""
        if self.tty:
            return bytes(data)
        return b"".join(payload for _, payload in self.feed(data))

    @property
    def pending(self) -> int:
        """Bytes of a frame whose end has not arrived yet."""
        return len(self._pending)


class TextDecoder:
    """UTF-8 text per stream, a character split across two frames kept whole; bad bytes become U+FFFD."""

    def __init__(self):
        self._decoders: dict[str, codecs.IncrementalDecoder] = {}

    def decode(self, stream: str, data: bytes, final: bool = False) -> str:
        decoder = self._decoders.get(stream)
        if decoder is None:
            decoder = self._decoders[stream] = codecs.getincrementaldecoder("utf-8")(errors="replace")
        return decoder.decode(data, final)

    def flush(self) -> list[tuple[str, str]]:
        """What each stream still held (an unfinished character), at the end of the stream."""
        rest = [(stream, decoder.decode(b"", True)) for stream, decoder in self._decoders.items()]
        return [(stream, text) for stream, text in rest if text]
