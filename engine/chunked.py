"""HTTP/1.1 chunked transfer coding, undone on large reads.

The engine flushes each log entry as a chunk of its own, so a fast writer means hundreds of
thousands of chunks a second. Reading them one by one through urllib3 costs several Python
calls per chunk; this decoder takes whatever one socket read returned (often hundreds of chunks)
and gives back their joined payload.
"""

from __future__ import annotations

__all__ = ["ChunkedDecoder"]


class ChunkedDecoder:
    """Feed it the raw body as it arrives; it returns the payload bytes complete so far.
    `done` turns true at the last (empty) chunk; anything after it (trailers) is ignored."""

    def __init__(self):
        self.done = False
        self._buffer = bytearray()
        self._left = 0  # payload bytes of the current chunk not yet seen
        self._crlf = False  # the CRLF closing the current chunk is still due

    def feed(self, data: bytes) -> bytes:
        if self.done:
            return b""
        buffer = self._buffer
        buffer += data
        out = bytearray()
        pos, size = 0, len(buffer)
        while True:
            if self._left:
                take = min(self._left, size - pos)
                out += buffer[pos : pos + take]
                pos += take
                self._left -= take
                if self._left:
                    break
                self._crlf = True
            if self._crlf:
                if size - pos < 2:
                    break
                pos += 2
                self._crlf = False
            end = buffer.find(b"\r\n", pos)
            if end < 0:
                break
            length = int(bytes(buffer[pos:end]).split(b";", 1)[0], 16)
            pos = end + 2
            if length == 0:
                self.done = True
                break
            self._left = length
        del buffer[:pos]
        return bytes(out)
