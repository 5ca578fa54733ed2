"""Raw, hijacked engine connections for asyncio: exec start and container attach.

The Docker SDK's socket mode reads the HTTP answer through a buffered reader and then hands
back the socket beneath it, so output that arrived with the headers can be lost. Here the
request is written and the headers read by hand on a non-blocking socket; whatever followed
the headers is the first output. Works with `unix://` and plain `tcp://` engines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from urllib.parse import urlsplit

__all__ = ["UpgradeRefused", "UpgradedStream", "open_upgraded"]

HEADERS_LIMIT = 64 * 1024


class UpgradeRefused(Exception):
    """The engine answered the upgrade with an error (status and its message)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _connect(base_url: str) -> socket.socket:
    parts = urlsplit(base_url)
    if parts.scheme in ("unix", "http+unix"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address: object = parts.path
    elif parts.scheme in ("tcp", "http"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        address = (parts.hostname, parts.port or 2375)
    else:
        raise ValueError(f"Streams need a unix:// or tcp:// engine address, not {base_url!r}.")
    sock.setblocking(False)
    return sock, address


class UpgradedStream:
    """Bytes both ways on a hijacked engine connection, on the running event loop."""

    def __init__(self, sock: socket.socket, first: bytes):
        self.sock = sock
        self._first = first
        self.eof = False

    async def read(self, limit: int) -> bytes:
        """What the engine has sent, at most `limit` bytes, waiting only for the first byte:
        after one read, whatever else is already there is taken too (natural batching, no timer)."""
        if self._first:
            data, self._first = self._first[:limit], self._first[limit:]
            return data
        if self.eof:
            return b""
        data = await asyncio.get_running_loop().sock_recv(self.sock, limit)
        if not data:
            self.eof = True
            return b""
        while len(data) < limit:
            try:
                more = self.sock.recv(limit - len(data))
            except (BlockingIOError, InterruptedError):
                break
            if not more:
                self.eof = True
                break
            data += more
        return data

    async def write(self, data: bytes) -> None:
        await asyncio.get_running_loop().sock_sendall(self.sock, data)

    def close_input(self) -> None:
        """Half-closes: the process reads end-of-file on its stdin."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


async def open_upgraded(base_url: str, path: str, body: dict | None = None, timeout: float = 10.0) -> UpgradedStream:
    """POSTs `path` (with the API version prefix, e.g. "/v1.41/exec/ID/start") asking for a
    raw stream, and returns it once the engine switched protocols (or answered 200)."""
    loop = asyncio.get_running_loop()
    sock, address = _connect(base_url)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, address), timeout)
        payload = json.dumps(body).encode() if body is not None else b""
        request = (
            f"POST {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth\r\nConnection: Upgrade\r\n"
            f"Upgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload
        await loop.sock_sendall(sock, request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), timeout)
            if not chunk or len(received) > HEADERS_LIMIT:
                raise UpgradeRefused(0, "The engine closed the connection before answering.")
            received += chunk
        head, rest = received.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        if status not in (101, 200):
            message = rest.decode(errors="replace")
            with contextlib.suppress(ValueError, AttributeError):
                message = json.loads(message).get("message", message)
            raise UpgradeRefused(status, message.strip() or f"The engine answered {status}.")
        return UpgradedStream(sock, rest)
    except BaseException:
        sock.close()
        raise
