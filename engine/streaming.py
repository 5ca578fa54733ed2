"""Long-lived GET streams from the engine (logs, stats): opened with the engine's error rules,
read chunk by chunk, and closed from any thread — a reader blocked on the socket wakes up."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import docker.errors
import requests.exceptions
import urllib3.exceptions
from docker.types.daemon import CancellableStream

from engine.chunked import ChunkedDecoder
from engine.client import Engine, EngineUnavailable

__all__ = ["ContainerNotFound", "EngineStream", "inspect_container"]


class ContainerNotFound(Exception):
    """The engine has no such container (it was removed, or never existed)."""


def inspect_container(engine: Engine, container_id: str) -> dict:
    """The engine's inspect body of the container; raises ContainerNotFound or EngineUnavailable."""
    try:
        return engine._call("inspect_container", container_id)
    except docker.errors.NotFound as exc:
        raise ContainerNotFound(f"There is no container {container_id[:12]} on this host.") from exc


class EngineStream:
    """`GET path` on the engine with a streamed body. Iterating yields the body's chunks as the
    engine flushes them; the iteration simply ends when the engine ends the body or close() is called."""

    def __init__(self, engine: Engine, path: str, container_id: str, params: dict):
        try:
            response = engine.open_stream(path, container_id, params=params)
        except docker.errors.NotFound as exc:
            raise ContainerNotFound(f"There is no container {container_id[:12]} on this host.") from exc
        self.engine = engine
        self.response = response
        self._cancel = CancellableStream(iter(()), response)
        self._closed = threading.Event()

    def chunks(self, size: int = 256 * 1024) -> Iterator[bytes]:
        """The body as it arrives: each read of the socket (whatever it held, up to `size`) at once."""
        raw = self.response.raw
        socket_file = raw._fp.fp  # the buffered socket under http.client: what one recv returned
        try:
            if raw.chunked:
                decoder = ChunkedDecoder()
                while not decoder.done and (data := socket_file.read1(size)):
                    if payload := decoder.feed(data):
                        yield payload
            else:
                while chunk := raw.read1(size):
                    yield chunk
        except (urllib3.exceptions.HTTPError, requests.exceptions.RequestException, OSError, ValueError):
            if not self._closed.is_set():
                raise EngineUnavailable(f"The engine at {self.engine.base_url} dropped the stream.") from None

    def close(self) -> None:
        """Ends the stream; safe from any thread, and more than once."""
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(OSError, AttributeError, docker.errors.DockerException):
            self._cancel.close()
        self.response.close()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()
