"""The web half of the stream bridge: one client, StreamClient, for every web-side user of a host
worker's stream sessions — the websocket consumers (StreamConsumer, below), the logs download
(portal.containers.logs_download) and a container's changes (portal.containers.diff).

StreamClient builds the open request, checks what the worker sends (a gap in seq is a failure,
never skipped), acks, keeps the session alive both ways, notices a worker that does not answer
(OPEN_TIMEOUT) or goes silent (PEER_TIMEOUT), and sends CLOSE when this side gives up. It is
used in one of two ways:

- pushed: a consumer's channel receives the worker's messages (Channels dispatches them) and
  hands each to `accept()`; a watchdog task calls `tick()`;
- pulled: `events()` receives on `reply_to` itself (a download, a one-off question).

StreamConsumer (a BerthJsonConsumer): in `start()`, after the policy check and
`await require_streamable(container)` (portal.containers.checks: 4404/4409/4503 refusals before
any byte flows), call `await self.open_stream(kind, host, container_engine_id, **params)`. Then implement:

- `stream_opened(message)`: the worker's READY arrived (its facts are in `message`);
- `stream_output(data, seq)`: one chunk, in order; awaiting the websocket send here is what
  slows the worker down when the browser is behind; or `stream_outputs(outputs)`, the chunks
  that were waiting together in the socket's buffer (one each by default), in order;
- `stream_ended(code, reason)`: the worker's END;
- `stream_failed(message)`: the worker's ERROR, a gap in seq, no answer to the open within
  OPEN_TIMEOUT or silence for PEER_TIMEOUT. Both default to sending a JSON message and closing.

Use `send_to_stream(type, **fields)` for INPUT/RESIZE/PAUSE/RESUME. Disconnecting, or closing
the socket from this side with `end()` (logout, access withdrawn), sends CLOSE.

A resumable stream (the terminal, wire.stream_resume) may instead be left with
`detach_stream(grace)` when the browser dropped, and taken up again by another consumer with
`resume_stream(host, channel, offset)`; the consumer it was taken from gets `stream_resumed_elsewhere()`.
The messages and the flow control are described in wire.streams.

Signed (wire.stream_signing): each open or reattach carries a fresh key sealed to the host (`host`
is anything with the host's `slug`, `name` and `seal_key`: a Host), and every message back must
carry its MAC. One that does not (another host writing into this channel, or anyone else) is
dropped, logged, and sent as `stream_forged` (portal.hosts notes it on the host's page); the stream
goes on with the host's own messages. A chunk marked urgent (it answers input) may come ahead of
chunks sent before it (wire.layer): it is held until those arrive, so the output stays in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.dispatch import Signal

from portal.refusals import Unavailable
from portal.ws.consumers import BerthJsonConsumer
from wire import streams as m
from wire.layer import URGENT, UrgentLane
from wire.names import host_stream_channel
from wire.stream_resume import TAKEN_OVER, Detach, Reattach
from wire.stream_signing import KEY_FIELD, StreamKey, new_stream_key

__all__ = [
    "Ended",
    "Failed",
    "ForgedNotes",
    "Output",
    "Ready",
    "StreamClient",
    "StreamConsumer",
    "StreamHost",
    "stream_forged",
]

log = logging.getLogger(__name__)

CLOSE_STREAM_FAILED = 4500
WATCH_EVERY = min(1.0, m.KEEPALIVE_EVERY / 2)

# Sent (from a thread: the receiver writes to the database) once per stream that got a message
# its host did not sign: host_slug, kind, and `why` (a sentence).
stream_forged = Signal()


class StreamHost(Protocol):
    slug: str
    name: str
    seal_key: str


def sealed_key_for(host: StreamHost) -> tuple[StreamKey, str]:
    """A new stream key and the same sealed to `host`; a host never enrolled cannot stream."""
    if not getattr(host, "seal_key", ""):
        raise Unavailable(
            f"Host {host.name} is not enrolled: an admin enrolls it (Rotate credentials on its page) first.",
            "host_not_enrolled",
        )
    key = new_stream_key()
    return key, key.sealed_to(host.seal_key)


# A stream shared by many viewers (an operation's progress) is noted once per this long per process.
SHARED_NOTE_EVERY = 60.0
_shared_noted: dict[str, float] = {}


class ForgedNotes:
    """A stream's unsigned messages: the first is logged and sent as `stream_forged`, the rest
    counted (a flood of them costs a log line, not one each). `shared`: a name for what many
    clients receive alike (an operation's progress: every viewer gets the same forgeries), so that
    only the first of them logs, once per SHARED_NOTE_EVERY."""

    def __init__(self, host_slug: str, kind: str, where: str = "", shared: str = ""):
        self.host_slug, self.kind, self.count = host_slug, kind, 0
        self.where, self.shared = where or f"a {kind} stream", shared

    def _first_shared(self) -> bool:
        now = time.monotonic()
        if now - _shared_noted.get(self.shared, -SHARED_NOTE_EVERY) < SHARED_NOTE_EVERY:
            return False
        if len(_shared_noted) > 10_000:
            _shared_noted.clear()
        _shared_noted[self.shared] = now
        return True

    async def note(self, message: Any) -> None:
        self.count += 1
        if self.count > 1 or (self.shared and not self._first_shared()):
            return
        kind = str(message.get("type") if isinstance(message, dict) else type(message).__name__)[:40]
        why = f"a {self.kind} stream message ({kind}) was not signed by the host"
        log.error("Refused a message on %s of host '%s': %s.", self.where, self.host_slug, why)
        notify = database_sync_to_async(stream_forged.send)
        await notify(StreamClient, host_slug=self.host_slug, kind=self.kind, why=why)


@dataclass(frozen=True)
class Ready:
    """The worker opened the session; `facts` is its READY message (tty, command…)."""

    facts: dict


@dataclass(frozen=True)
class Output:
    data: Any
    seq: int


@dataclass(frozen=True)
class Ended:
    code: int | None
    reason: str


@dataclass(frozen=True)
class Failed:
    """The session is over without an END. `cause`: "error" (the worker's ERROR), "gap" (a chunk
    was lost), "no_answer" (no READY in time), "silent" (the worker stopped answering) or
    "taken_over" (another client resumed it; it goes on there)."""

    message: str
    cause: str


Event = Ready | Output | Ended | Failed


class StreamClient:
    """The web side of one stream session, answered on `reply_to` (a channel of this process's
    layer, or a plain channel name when no consumer's loop reads for it: see portal.containers.diff)."""

    def __init__(self, layer, reply_to: str):
        self.layer = layer
        self.reply_to = reply_to
        self.session = uuid.uuid4().hex
        self.channel: str | None = None  # the worker session's own, from READY
        self.done = False
        self.seq = 0
        self.acked = 0
        self.heard = self.sent = time.monotonic()
        self.key: StreamKey | None = None
        self.forged: ForgedNotes | None = None
        # Urgent chunks that came ahead of chunks sent before them, by seq, until those arrive.
        self.early: dict[int, dict] = {}
        self.urgent = UrgentLane()

    async def open(self, kind: str, host: StreamHost, container: str, **params: Any) -> None:
        """Asks the host worker to open a stream of `kind`; READY comes back on `reply_to`."""
        self.key, sealed = sealed_key_for(host)
        self.forged = ForgedNotes(host.slug, kind)
        self.heard = self.sent = time.monotonic()
        request = m.open_request(kind, self.session, self.reply_to, container, **params, **{KEY_FIELD: sealed})
        await self.layer.send(host_stream_channel(host.slug), request)

    async def reattach(self, host: StreamHost, kind: str, channel: str, offset: int) -> None:
        """Takes over the worker's session at `channel` (its READY comes back on `reply_to`), from
        byte `offset` of its output on."""
        self.key, sealed = sealed_key_for(host)
        self.forged = ForgedNotes(host.slug, kind)
        self.heard = self.sent = time.monotonic()
        await self.layer.send(channel, Reattach(self.session, self.reply_to, offset, sealed).to_wire())

    async def detach(self, grace: float) -> None:
        """Leaves the worker's session running for `grace` seconds, for another client to take over."""
        if self.channel is None or self.done:
            return
        self.done = True
        await self.layer.send(self.channel, Detach(grace, self.reply_to).to_wire())

    async def send(self, message_type: str, **fields: Any) -> None:
        """To the worker's session (nothing before READY or once over). One marked URGENT goes in
        the urgent lane within this stream's share of it (wire.layer.UrgentLane), else the normal way."""
        if self.channel is None or self.done:
            return
        if fields.get(URGENT) and not self.urgent.admit(fields.get("data")):
            del fields[URGENT]
        await self.layer.send(self.channel, {"type": message_type, **fields})
        self.sent = time.monotonic()

    async def accept_all(self, message: dict) -> list[Event]:
        """What one message from the worker means, in order: nothing (a keepalive, a message the
        host did not sign, an urgent chunk that came early), one event, or several (the chunk
        that was missing, then those held for it)."""
        signed = self.key.verify(message) if self.key is not None else None
        if signed is None:
            if self.forged is not None:
                await self.forged.note(message)
            return []
        early = signed.get("type") == m.DATA and signed.get(URGENT) and not self.done
        if early and isinstance(seq := signed.get("seq"), int) and seq > self.seq + 1 and len(self.early) < m.WINDOW:
            self.early[seq] = signed
            return []
        events = []
        event = await self.accept(signed)
        if event is not None:
            events.append(event)
        while self.early and not self.done and (held := self.early.pop(self.seq + 1, None)) is not None:
            if (event := await self.accept(held)) is not None:
                events.append(event)
        return events

    async def accept(self, message: dict) -> Event | None:
        """What one signed message from the worker means (None: nothing to pass on)."""
        kind = message.get("type")
        if kind == m.READY:
            if message.get("session") != self.session:
                return None
            if self.done:  # given up on already (the open timed out): stop the late session
                await self.layer.send(message["channel"], {"type": m.CLOSE})
                return None
            self.channel = message["channel"]
            self.heard = time.monotonic()
            return Ready(message)
        if self.done:
            return None
        self.heard = time.monotonic()
        if kind == m.DATA:
            seq = message.get("seq")
            if seq != self.seq + 1:
                await self.close()
                expected = self.seq + 1
                return Failed(
                    f"Output was lost between the host and Berth (expected part {expected}, got {seq}).", "gap"
                )
            self.seq = seq
            return Output(message["data"], seq)
        if kind == m.END:
            self.done = True
            return Ended(message.get("code"), message.get("reason") or "The stream ended.")
        if kind == m.ERROR:
            self.done = True
            return Failed(message.get("message") or "The stream failed on the host.", "error")
        if kind == TAKEN_OVER:
            self.done = True
            return Failed("This session was resumed in another connection.", "taken_over")
        return None  # KEEPALIVE: heard

    async def delivered(self, seq: int) -> None:
        """Chunk `seq` was passed on: ack every ACK_EVERY, which is what gives the worker credit."""
        if seq - self.acked >= m.ACK_EVERY:
            self.acked = seq
            await self.send(m.ACK, seq=seq)

    async def tick(self) -> Failed | None:
        """The watchdog's step: a keepalive when due, or the failure when the worker is overdue."""
        if self.done:
            return None
        now = time.monotonic()
        if self.channel is None:
            if now - self.heard > m.OPEN_TIMEOUT:
                self.done = True
                return Failed("The host worker did not answer: is it running?", "no_answer")
            return None
        if now - self.heard > m.PEER_TIMEOUT:
            await self.close()
            return Failed("The host worker stopped answering.", "silent")
        if now - self.sent >= m.KEEPALIVE_EVERY:
            await self.send(m.KEEPALIVE)
        return None

    async def close(self) -> None:
        """Tells the worker to stop (idempotent)."""
        if self.done:
            return
        self.done = True
        if self.channel is not None:
            await self.layer.send(self.channel, {"type": m.CLOSE})

    async def events(self, timeout: float | None = None) -> AsyncIterator[Event]:
        """Pulled: the session's events until it is over (a Failed or Ended is the last one); each
        chunk is acked once the caller asks for the next event. `timeout` bounds the whole session
        (a Failed "no_answer" past it). A caller that stops early closes the session."""
        give_up = None if timeout is None else time.monotonic() + timeout
        # One receive at a time, never cancelled while the session lives: a receive cancelled
        # mid-way may lose the message it was taking (wire/layer.py).
        receiving: asyncio.Future | None = None
        try:
            while not self.done:
                if receiving is None:
                    receiving = asyncio.ensure_future(self.layer.receive(self.reply_to))
                wait = WATCH_EVERY if give_up is None else max(0.0, min(WATCH_EVERY, give_up - time.monotonic()))
                finished, _ = await asyncio.wait({receiving}, timeout=wait)
                if not finished:
                    if give_up is not None and time.monotonic() >= give_up:
                        await self.close()
                        yield Failed("The host worker did not answer in time.", "no_answer")
                        return
                    if failed := await self.tick():
                        yield failed
                        return
                    continue
                message, receiving = receiving.result(), None
                for event in await self.accept_all(message):
                    yield event
                    if isinstance(event, Output):
                        await self.delivered(event.seq)
        finally:
            if receiving is not None:
                receiving.cancel()
            await self.close()


class StreamConsumer(BerthJsonConsumer):
    stream: StreamClient | None = None

    @property
    def stream_session(self) -> str | None:
        return self.stream.session if self.stream is not None else None

    @property
    def stream_channel(self) -> str | None:
        return self.stream.channel if self.stream is not None else None

    @property
    def stream_done(self) -> bool:
        return self.stream is not None and self.stream.done

    # -- opening -------------------------------------------------------------------------------

    async def open_stream(self, kind: str, host: StreamHost, container: str, **params: Any) -> str:
        """Asks the host worker to open the stream; returns the session id. READY arrives later
        (as `stream_opened`), because a consumer handles one message at a time."""
        self.stream = StreamClient(self.channel_layer, self.channel_name)
        await self.stream.open(kind, host, container, **params)
        self._stream_watch = self.background(self._watch_stream())
        return self.stream.session

    async def resume_stream(self, kind: str, host: StreamHost, channel: str, offset: int) -> str:
        """Takes over the worker's session at `channel` from byte `offset`; READY arrives later."""
        self.stream = StreamClient(self.channel_layer, self.channel_name)
        await self.stream.reattach(host, kind, channel, offset)
        self._stream_watch = asyncio.create_task(self._watch_stream())
        return self.stream.session

    async def detach_stream(self, grace: float) -> None:
        """Leaves the worker's session running for `grace` seconds (the browser dropped)."""
        if self.stream is None or self.stream.done:
            return
        self._stop_watch()
        await self.stream.detach(grace)

    async def send_to_stream(self, message_type: str, **fields: Any) -> None:
        if self.stream is not None:
            await self.stream.send(message_type, **fields)

    # -- what subclasses override ----------------------------------------------------------------

    async def stream_opened(self, message: dict) -> None:
        pass

    async def stream_output(self, data: Any, seq: int) -> None:
        raise NotImplementedError

    async def stream_outputs(self, outputs: list[Output]) -> None:
        """Several chunks in a row, in order (they were waiting together); a kind whose chunks
        join (bytes) sends them as one."""
        for output in outputs:
            await self.stream_output(output.data, output.seq)

    async def stream_ended(self, code: int | None, reason: str) -> None:
        await self.send_json({"type": "end", "code": code, "reason": reason})
        await self.end(1000, reason[:120])

    async def stream_failed(self, message: str) -> None:
        await self.send_json({"type": "error", "message": message})
        await self.end(CLOSE_STREAM_FAILED, message[:120])

    async def stream_resumed_elsewhere(self, message: str) -> None:
        await self.stream_failed(message)

    # -- messages from the worker (Channels dispatches "stream.x" to `stream_x`) -----------------

    async def dispatch(self, message):
        """Stream chunks and typed input skip Channels' per-message database clean-up (a trip to
        a thread for each message: measured as the web process's largest cost under 100 busy
        terminals). Their handlers do not use the database; those that do go through
        database_sync_to_async, which cleans up in its own thread."""
        kind = message.get("type", "")
        if kind == m.DATA:
            await self._from_worker_batch(message)
            return
        if kind.startswith("stream.") or kind == "websocket.receive":
            handler = getattr(self, kind.replace(".", "_"), None)
            if handler is not None:
                await handler(message)
                return
        await super().dispatch(message)

    async def _from_worker(self, message: dict) -> None:
        if self.stream is None:
            return
        for event in await self.stream.accept_all(message):
            await self._stream_event(event)

    async def _from_worker_batch(self, message: dict) -> None:
        """A chunk, and the chunks that are already waiting behind it in this socket's buffer
        (under load they pile up: a hundred floods keep the loop busy), handled as one: each is
        checked (its MAC, its seq) as it would be alone, and the run of output they make goes to
        `stream_outputs` at once, so the browser gets one frame for them, not one each."""
        if self.stream is None:
            return
        # Only Berth's Redis layer buffers what it received for each channel (wire.layer).
        take = getattr(self.channel_layer, "take_buffered", None)
        batch = [message, *(take(self.channel_name, m.DATA) if take is not None else ())]
        outputs: list[Output] = []
        for one in batch:
            for event in await self.stream.accept_all(one):
                if isinstance(event, Output):
                    outputs.append(event)
                    continue
                await self._deliver(outputs)
                outputs = []
                await self._stream_event(event)
        await self._deliver(outputs)

    async def _deliver(self, outputs: list[Output]) -> None:
        if not outputs or self.stream is None:
            return
        await self.stream_outputs(outputs)
        await self.stream.delivered(outputs[-1].seq)

    async def _stream_event(self, event: Event) -> None:
        if isinstance(event, Ready):
            await self.stream_opened(event.facts)
            return
        if isinstance(event, Output):
            await self.stream_output(event.data, event.seq)
            await self.stream.delivered(event.seq)
            return
        self._stop_watch()
        if isinstance(event, Ended):
            await self.stream_ended(event.code, event.reason)
        elif event.cause == "taken_over":
            await self.stream_resumed_elsewhere(event.message)
        else:
            await self.stream_failed(event.message)

    stream_ready = stream_data = stream_end = stream_error = stream_keepalive = stream_taken_over = _from_worker

    # -- liveness and the end ----------------------------------------------------------------------

    async def _watch_stream(self) -> None:
        while not self.stream.done:
            await asyncio.sleep(WATCH_EVERY)
            if failed := await self.stream.tick():
                await self.stream_failed(failed.message)
                return

    def _stop_watch(self) -> None:
        watch = getattr(self, "_stream_watch", None)
        if watch is not None and watch is not asyncio.current_task():
            watch.cancel()

    async def close_stream(self) -> None:
        """Tells the worker to stop (idempotent); called on disconnect."""
        if self.stream is None or self.stream.done:
            return
        self._stop_watch()
        await self.stream.close()

    async def end(self, code: int, reason: str) -> None:
        """Closing from this side (logout, access withdrawn, token expiry) stops the worker too."""
        await self.close_stream()
        await super().end(code, reason)

    async def disconnect(self, code):
        try:
            await self.close_stream()
        finally:
            await super().disconnect(code)
