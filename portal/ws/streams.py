"""The web half of the stream bridge: a consumer that streams from a host worker.

Subclass StreamConsumer (a BerthJsonConsumer) and, in `start()`, after the policy check and
`await self.require_streamable(container)` (4404/4409/4503 refusals before any byte flows),
call `await self.open_stream(kind, host_slug, container_engine_id, **params)`. Then implement:

- `stream_opened(message)`: the worker's READY arrived (its facts are in `message`);
- `stream_output(data, seq)`: one chunk, in order; awaiting the websocket send here is what
  slows the worker down when the browser is behind;
- `stream_ended(code, reason)`: the worker's END;
- `stream_failed(message)`: the worker's ERROR, a gap in seq, no answer to the open within
  OPEN_TIMEOUT or silence for PEER_TIMEOUT. Both default to sending a JSON message and closing.

Use `send_to_stream(type, **fields)` for INPUT/RESIZE/PAUSE/RESUME. Disconnecting, or closing
the socket from this side with `end()` (logout, access withdrawn), sends CLOSE.
The messages and the flow control are described in wire.streams.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from channels.db import database_sync_to_async

from portal.containers.choices import ContainerState
from portal.hosts.choices import HostStatus
from portal.ws.consumers import CLOSE_HOST_OFFLINE, CLOSE_NOT_FOUND, CLOSE_NOT_RUNNING, BerthJsonConsumer, Refused
from wire import streams as m
from wire.names import host_stream_channel

__all__ = ["StreamConsumer"]

CLOSE_STREAM_FAILED = 4500


class StreamConsumer(BerthJsonConsumer):
    stream_session: str | None = None
    stream_channel: str | None = None
    stream_done: bool = False

    # -- checks --------------------------------------------------------------------------------

    async def require_streamable(self, container, *, running: bool = True) -> None:
        """Refuses unless the container's host is online (4503) and, when asked, it runs (4409)."""
        host = await database_sync_to_async(lambda: container.host)()
        if container.removed_at is not None:
            raise Refused(CLOSE_NOT_FOUND, "This container was removed.")
        if host.current_status != HostStatus.ONLINE:
            raise Refused(CLOSE_HOST_OFFLINE, f"Host {host.name} is offline.")
        if running and container.state != ContainerState.RUNNING:
            raise Refused(CLOSE_NOT_RUNNING, f"Container {container.name} is not running ({container.state}).")

    # -- opening -------------------------------------------------------------------------------

    async def open_stream(self, kind: str, host_slug: str, container: str, **params: Any) -> str:
        """Asks the host worker to open the stream; returns the session id. READY arrives later
        (as `stream_opened`), because a consumer handles one message at a time."""
        self.stream_session = uuid.uuid4().hex
        self._stream_kind = kind
        self._stream_seq = 0
        self._stream_acked = 0
        self._stream_heard = time.monotonic()
        self._stream_sent = time.monotonic()
        await self.channel_layer.send(
            host_stream_channel(host_slug),
            m.open_request(kind, self.stream_session, self.channel_name, container, **params),
        )
        self._stream_watch = asyncio.create_task(self._watch_stream())
        return self.stream_session

    async def send_to_stream(self, message_type: str, **fields: Any) -> None:
        if self.stream_channel is None or self.stream_done:
            return
        await self.channel_layer.send(self.stream_channel, {"type": message_type, **fields})
        self._stream_sent = time.monotonic()

    # -- what subclasses override ----------------------------------------------------------------

    async def stream_opened(self, message: dict) -> None:
        pass

    async def stream_output(self, data: Any, seq: int) -> None:
        raise NotImplementedError

    async def stream_ended(self, code: int | None, reason: str) -> None:
        await self.send_json({"type": "end", "code": code, "reason": reason})
        await self.end(1000, reason[:120])

    async def stream_failed(self, message: str) -> None:
        await self.send_json({"type": "error", "message": message})
        await self.end(CLOSE_STREAM_FAILED, message[:120])

    # -- messages from the worker (Channels dispatches "stream.x" to `stream_x`) -----------------

    async def dispatch(self, message):
        """Stream chunks and typed input skip Channels' per-message database clean-up (a trip to
        a thread for each message: measured as the web process's largest cost under 100 busy
        terminals). Their handlers do not use the database; those that do go through
        database_sync_to_async, which cleans up in its own thread."""
        kind = message.get("type", "")
        if kind.startswith("stream.") or kind == "websocket.receive":
            handler = getattr(self, kind.replace(".", "_"), None)
            if handler is not None:
                await handler(message)
                return
        await super().dispatch(message)

    def _is_live(self) -> bool:
        return not self.stream_done and self.stream_session is not None

    async def stream_ready(self, message: dict) -> None:
        if message.get("session") != self.stream_session:
            return
        if not self._is_live():  # given up on already (the open timed out): stop the late session
            await self.channel_layer.send(message["channel"], {"type": m.CLOSE})
            return
        self.stream_channel = message["channel"]
        self._stream_heard = time.monotonic()
        await self.stream_opened(message)

    async def stream_data(self, message: dict) -> None:
        if not self._is_live():
            return
        self._stream_heard = time.monotonic()
        seq = message.get("seq")
        if seq != self._stream_seq + 1:
            await self.close_stream()
            await self.stream_failed(
                f"Output was lost between the host and Berth (expected part {self._stream_seq + 1}, got {seq})."
            )
            return
        self._stream_seq = seq
        await self.stream_output(message["data"], seq)
        if seq - self._stream_acked >= m.ACK_EVERY:
            self._stream_acked = seq
            await self.send_to_stream(m.ACK, seq=seq)

    async def stream_end(self, message: dict) -> None:
        if self._is_live():
            await self._stream_over()
            await self.stream_ended(message.get("code"), message.get("reason") or "The stream ended.")

    async def stream_error(self, message: dict) -> None:
        if self._is_live():
            await self._stream_over()
            await self.stream_failed(message.get("message") or "The stream failed on the host.")

    async def stream_keepalive(self, message: dict) -> None:
        self._stream_heard = time.monotonic()

    # -- liveness and the end ----------------------------------------------------------------------

    async def _watch_stream(self) -> None:
        while not self.stream_done:
            await asyncio.sleep(min(1.0, m.KEEPALIVE_EVERY / 2))
            now = time.monotonic()
            if self.stream_channel is None:
                if now - self._stream_heard > m.OPEN_TIMEOUT:
                    await self._stream_over(watchdog=True)
                    await self.stream_failed("The host worker did not answer: is it running?")
                    return
                continue
            if now - self._stream_heard > m.PEER_TIMEOUT:
                await self.close_stream(watchdog=True)
                await self.stream_failed("The host worker stopped answering.")
                return
            if now - self._stream_sent >= m.KEEPALIVE_EVERY:
                await self.send_to_stream(m.KEEPALIVE)

    async def _stream_over(self, watchdog: bool = False) -> None:
        self.stream_done = True
        watch = getattr(self, "_stream_watch", None)
        if watch is not None and not watchdog:
            watch.cancel()

    async def close_stream(self, watchdog: bool = False) -> None:
        """Tells the worker to stop (idempotent); called on disconnect."""
        if self.stream_session is None or self.stream_done:
            return
        channel = self.stream_channel
        await self._stream_over(watchdog)
        if channel is not None:
            await self.channel_layer.send(channel, {"type": m.CLOSE})

    async def end(self, code: int, reason: str) -> None:
        """Closing from this side (logout, access withdrawn, token expiry) stops the worker too."""
        await self.close_stream()
        await super().end(code, reason)

    async def disconnect(self, code):
        try:
            await self.close_stream()
        finally:
            await super().disconnect(code)
