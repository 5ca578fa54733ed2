"""Big binaries between the web process and a host worker — build contexts and image imports
(web → worker), image exports (worker → web) — as a bounded stream through Redis: the one
mechanism for all three directions.

A transfer is two Redis lists named by its id:

- `…:chunks`: the writer RPUSHes frames of at most CHUNK bytes; the reader BLPOPs them;
- `…:acks`: the reader RPUSHes one frame per chunk it took; the writer BLPOPs them.

The writer never has more than WINDOW chunks un-acked (the terminal's credit window, in bytes
here: WINDOW x CHUNK in Redis at most), so a reader that is slow, or has not started, makes the
writer wait, and a whole archive is never held by Redis or by either process.

A frame's first byte says what it is: b"d" data, b"e" the end, b"x" + a sentence: given up
(the writer failed, or on the acks list, the reader stopped reading). Every key expires TTL
seconds after its last use, so a side that vanishes leaves nothing behind for long.

Who starts a transfer: an upload's writer is the web request that received it; the operation
(image.build, image.import) names the transfer its worker reads. An export's writer is the host
worker, asked by the download request with an EXPORT_REQUEST on the host's stream channel
(wire.names.host_stream_channel): {"type": EXPORT_REQUEST, "transfer", "image", "deadline", "key"}.
An export is signed by its host: `key` is a stream key sealed to it (wire.stream_signing), and
each frame the worker writes carries its MAC after the first byte (over the transfer's id, the
frame's number and the frame), so that a frame from anyone else is refused (TransferForged).

Plain Python over redis-py (no Django), used by both sides from threads.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from collections.abc import Iterable, Iterator

import redis

__all__ = [
    "CHUNK",
    "EXPORT_REQUEST",
    "WINDOW",
    "PipeReader",
    "Transfer",
    "TransferAborted",
    "TransferForged",
    "TransferTimeout",
    "new_transfer_id",
    "transfer_keys",
]

CHUNK = 1 << 20
WINDOW = 4  # chunks in flight: at most 4 MB per transfer in Redis
TTL = 300  # seconds after the last frame
# How long a side waits for its peer's next frame (a worker busy with other operations may take
# a while to start reading; an engine may take a while before the first byte of a save).
PEER_TIMEOUT = 120.0

DATA, END, ABORT = b"d", b"e", b"x"
MAC_SIZE = 32  # HMAC-SHA256, in signed transfers' chunk frames

EXPORT_REQUEST = "transfer.export"


class TransferAborted(Exception):
    """The peer gave up; `str()` is its sentence."""


class TransferTimeout(TransferAborted):
    """The peer did not answer within its time."""


class TransferForged(TransferAborted):
    """A frame was not signed with the transfer's key: not from the host asked."""


def new_transfer_id() -> str:
    return secrets.token_hex(16)


def transfer_keys(transfer_id: str) -> tuple[str, str]:
    base = f"berth:transfer:{transfer_id}"
    return f"{base}:chunks", f"{base}:acks"


class Transfer:
    """One side of transfer `transfer_id`. `client` must allow blocking reads of `timeout`
    seconds (its socket_timeout longer than that, or none)."""

    def __init__(self, client: redis.Redis, transfer_id: str, *, timeout: float = PEER_TIMEOUT, key=None):
        self.client = client
        # A StreamKey (wire.stream_signing): the chunks' frames are signed with it; none for uploads.
        self.key = key
        self._frames = 0  # chunk frames written, or read
        self.id = transfer_id
        self.chunks_key, self.acks_key = transfer_keys(transfer_id)
        self.timeout = timeout
        self.in_flight = 0
        self.reading = False  # the reader has asked for its first chunk

    # -- both sides -----------------------------------------------------------------------------

    def _push(self, key: str, frame: bytes) -> None:
        if self.key is not None and key == self.chunks_key:
            frame = frame[:1] + self._mac(frame) + frame[1:]
        pipe = self.client.pipeline()
        pipe.rpush(key, frame)
        pipe.expire(self.chunks_key, TTL)
        pipe.expire(self.acks_key, TTL)
        pipe.execute()

    def _pop(self, key: str, waiting_for: str) -> bytes:
        answer = self.client.blpop([key], timeout=self.timeout)
        if answer is None:
            raise TransferTimeout(f"The {waiting_for} did not answer within {self.timeout:g} s.")
        frame = answer[1]
        if self.key is not None and key == self.chunks_key:
            frame = frame[:1] + frame[1 + MAC_SIZE :]
            if not hmac.compare_digest(answer[1][1 : 1 + MAC_SIZE], self._mac(frame)):
                raise TransferForged(f"A part of the transfer was not signed by the {waiting_for}: it was refused.")
        return frame

    def _mac(self, frame: bytes) -> bytes:
        """The next chunk frame's MAC: its number is in it, so no frame can be moved or repeated."""
        self._frames += 1
        return self.key.digest(self.id.encode(), b":%d:" % self._frames, frame)

    def discard(self) -> None:
        """Removes what is left in Redis (the end of a transfer, or giving up on one)."""
        self.client.delete(self.chunks_key, self.acks_key)

    # -- the writer ---------------------------------------------------------------------------

    def write(self, chunks: Iterable[bytes], peer: str = "host worker") -> int:
        """Sends `chunks` (re-cut to chunks of CHUNK bytes) and the end; answers the size sent.
        Waits while WINDOW chunks are un-acked; raises TransferAborted if the reader gave up,
        TransferTimeout if it does not read. A failure of `chunks` itself is passed on to the
        reader (as its sentence) before it is raised here."""
        size = 0
        pending = bytearray()  # small pieces (an engine's stream gives a few KB at a time) make one chunk
        try:
            for chunk in chunks:
                pending += chunk
                while len(pending) >= CHUNK:
                    size += self._send(bytes(pending[:CHUNK]), peer)
                    del pending[:CHUNK]
            if pending:
                size += self._send(bytes(pending), peer)
        except TransferAborted:
            raise
        except Exception as exc:
            self.abort(str(exc) or type(exc).__name__)
            raise
        self._push(self.chunks_key, END)
        return size

    def _send(self, piece: bytes, peer: str) -> int:
        self._credit(peer)
        self._push(self.chunks_key, DATA + piece)
        self.in_flight += 1
        return len(piece)

    def _credit(self, peer: str) -> None:
        while self.in_flight >= WINDOW:
            frame = self._pop(self.acks_key, peer)
            if frame.startswith(ABORT):
                raise TransferAborted(frame[1:].decode(errors="replace") or f"The {peer} stopped reading.")
            self.in_flight -= 1

    def abort(self, sentence: str) -> None:
        """The writer gives up: the reader reads `sentence` as its TransferAborted."""
        with contextlib.suppress(redis.RedisError):
            self._push(self.chunks_key, ABORT + sentence.encode())

    # -- the reader ---------------------------------------------------------------------------

    def read(self, peer: str = "web process") -> Iterator[bytes]:
        """The chunks as they come, each acked once the caller asks for the next one; raises
        TransferAborted (the writer's sentence) or TransferTimeout. A caller that stops early
        tells the writer so (close the generator)."""
        finished = False
        self.reading = True
        try:
            while True:
                frame = self._pop(self.chunks_key, peer)
                if frame.startswith(END):
                    finished = True
                    return
                if frame.startswith(ABORT):
                    finished = True
                    raise TransferAborted(frame[1:].decode(errors="replace") or f"The {peer} gave up.")
                yield frame[1:]
                self._push(self.acks_key, DATA)
        finally:
            if finished:
                self.discard()
            else:
                self.stop_reading("The reader stopped before the end.")

    def stop_reading(self, sentence: str) -> None:
        """The reader gives up: the writer's next wait for credit raises TransferAborted."""
        try:
            self._push(self.acks_key, ABORT + sentence.encode())
            self.client.delete(self.chunks_key)
        except redis.RedisError:
            pass


class PipeReader:
    """A transfer's chunks as a file object (read(n) and iteration), for the engine's HTTP
    client: what the Docker SDK sends as a request body (a build context). Closing it before the
    end tells the writer to stop, even when nothing was read (an operation that failed before
    its engine asked for the body): what the writer sent is not left in Redis."""

    def __init__(self, transfer: Transfer, peer: str = "web process"):
        self._transfer = transfer
        self._chunks = transfer.read(peer)
        self._buffer = b""
        self._offset = 0  # into _buffer: a small read does not copy the rest of a 1 MB chunk

    def __iter__(self) -> Iterator[bytes]:
        if self._offset < len(self._buffer):
            yield self._buffer[self._offset :]
        self._buffer, self._offset = b"", 0
        yield from self._chunks

    def read(self, size: int = -1) -> bytes:
        if self._offset >= len(self._buffer):
            self._buffer, self._offset = next(self._chunks, b""), 0
        if size < 0:
            parts = [self._buffer[self._offset :], *self._chunks]
            self._buffer, self._offset = b"", 0
            return b"".join(parts)
        data = self._buffer[self._offset : self._offset + size]
        self._offset += len(data)
        return data

    def close(self) -> None:
        self._chunks.close()  # a reader stopped mid-way tells the writer (Transfer.read)
        if not self._transfer.reading:  # a generator never started runs no `finally`
            self._transfer.stop_reading("The reader stopped before the end.")
