"""One stream served by the host worker: the worker half of the stream bridge.

A subclass names its `kind` ("terminal", "logs", …) and implements:

- `open()`: prepare (create the exec, open the log stream, …). Raise StreamError with a
  sentence for the user to refuse; return a dict of facts to add to READY.
- `produce()`: the body. Call `await self.emit(data)` for each chunk; return
  `(code, reason)` when the stream is over (sent as END). It is cancelled when the web side
  closes or goes silent. `emit` waits while the web side is behind (credit window) or paused.
- optionally `on_input(data)`, `on_resize(cols, rows)`, `on_pause()`, `on_resume()`,
  and `close()` (always runs last, also after a cancellation: release what `open` took).

A kind that sets `resumable` survives its web side going away (wire.stream_resume): on DETACH
its output waits (emit does) for up to the grace period, and a REATTACH hands the session to a
new web side, which is first sent `replay(offset)` (what it missed), then the rest.

Every kind of stream is registered on the worker's StreamLoop the same way,
`Subclass.register(stream_loop, **context)`; each open request then runs
`Subclass(stream_loop, request, **context).serve()`. A stream read from the engine subclasses
workers.streams.engine_session.EngineSession (workers.streams.kinds registers them all). The
message protocol is in wire.streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, ClassVar

import redis
from channels.exceptions import ChannelFull

from wire import stream_messages as sm
from wire import streams as m
from wire.layer import URGENT, UrgentLane
from wire.stream_resume import Detach, Reattach, TakenOver, parse_resume
from wire.stream_signing import KEY_FIELD, StreamKey, open_stream_key
from workers.streams.loop import StreamLoop

__all__ = ["StreamError", "StreamSession"]

log = logging.getLogger(__name__)


class StreamError(Exception):
    """A failure the user should read, e.g. "The container is not running."."""


class SessionStopped(Exception):
    """Raised by emit once the session was told to stop (closed by the web side, or it went silent)."""


class StreamSession:
    kind: ClassVar[str] = ""
    resumable: ClassVar[bool] = False

    def __init__(self, streams: StreamLoop, request: dict):
        self.streams = streams
        self.layer = streams.layer
        opened = m.OpenRequest.from_wire(request)
        # The whole request stays at hand: a kind reads its own parameters from it.
        self.request = request
        self.session = opened.session
        self.reply_to = opened.reply_to
        self.container = opened.container
        # The key the web side sealed to this host: every message back is signed with it.
        self.key: StreamKey | None = open_stream_key(streams.keys, request)
        self.channel: str | None = None
        self.seq = 0
        self.acked = 0
        self.paused = False
        self.peer_lost = False
        self.closed_by_peer = False
        self.stopping = False
        # Set while the web side is away (DETACH): the loop time past which the session ends.
        self.detached_until: float | None = None
        self._replayed = asyncio.Event()
        self._replayed.set()
        self._credit = asyncio.Event()
        self._credit.set()
        self._last_heard = time.monotonic()
        self._last_sent = time.monotonic()
        self._body: asyncio.Task | None = None
        self.urgent = UrgentLane()

    @classmethod
    def register(cls, streams: StreamLoop, **context: Any) -> None:
        """Serves this kind's open requests; `context` (an engine client, say) is passed to __init__."""

        async def handle(request: dict) -> None:
            await cls(streams, request, **context).serve()

        streams.register(m.open_type(cls.kind), handle)

    # -- for subclasses ----------------------------------------------------------------------

    async def open(self) -> dict | None:
        return None

    async def produce(self) -> tuple[int | None, str]:
        raise NotImplementedError

    async def on_input(self, data: Any) -> None:
        pass

    async def on_resize(self, cols: int, rows: int) -> None:
        pass

    async def on_pause(self) -> None:
        pass

    async def on_resume(self) -> None:
        pass

    async def on_message(self, message: dict) -> None:
        """A control message of a type the base does not know (a kind's own: watching, say)."""

    async def close(self) -> None:
        pass

    def replay(self, offset: int) -> tuple[int, bool, list[Any]]:
        """A resumable kind's output from `offset` on, for a web side that reattached:
        (where it starts, whether it starts later than asked, the chunks)."""
        return offset, False, []

    def reattach_facts(self) -> dict:
        """What a reattach's READY tells besides the replay's start (the kind's own facts)."""
        return {}

    async def emit(self, data: Any) -> None:
        """Sends one chunk, after waiting for credit: never more than WINDOW chunks un-acked."""
        await self.wait_for_credit()
        await self.send_data(data)

    async def wait_for_credit(self, replaying: bool = False) -> None:
        """Returns when one more chunk may go: the web side is there, has not paused, has acked
        enough, and (but for the replay itself) no replay is going out ahead of new output."""
        while not self.stopping and (
            self.paused
            or self.detached_until is not None
            or self.seq - self.acked >= m.WINDOW
            or (not replaying and not self._replayed.is_set())
        ):
            self._credit.clear()
            await self._credit.wait()
        if self.stopping:
            raise SessionStopped

    async def send_data(self, data: Any, urgent: bool = False) -> None:
        """`urgent`: it answers input, and goes ahead of other streams' output (wire.layer), within
        this session's share of that lane; past it, in order with the rest (the web side puts an
        urgent chunk that overtook others back in order by its seq)."""
        self.seq += 1
        message = sm.Data(self.seq, data).to_wire()
        if urgent and self.urgent.admit(data):
            message[URGENT] = True
        await self._reply(message)
        if self.stopping:  # a cancellation during the send may have been swallowed by the Redis client
            raise SessionStopped

    def stop_body(self) -> None:
        """Ends `produce`: cancelled where it waits (engine reads), stopped at its next emit."""
        self.stopping = True
        self._credit.set()
        if self._body is not None:
            self._body.cancel()

    # -- the session -------------------------------------------------------------------------

    async def serve(self) -> None:
        if self.key is None:
            # Not from the portal (or sealed to another host): whatever this host answered would be
            # refused by the web side as unsigned, so nothing is opened.
            log.error("Refused a %s request: its stream key is not sealed to this host", self.kind)
            return
        self.channel = await self.layer.new_channel()
        control = keepalive = None
        try:
            try:
                facts = await self.open() or {}
            except StreamError as exc:
                await self._reply(sm.Error(str(exc)).to_wire())
                return
            await self._reply(sm.Ready(self.session, self.channel, facts).to_wire())
            # The body's outcome is read (and its failure worded) by _outcome, not logged by spawn.
            self._body = self.streams.loop.create_task(self.produce(), name=f"{self.kind}.body")
            control = self.streams.spawn(self._control(), name=f"{self.kind}.control")
            keepalive = self.streams.spawn(self._keepalive(), name=f"{self.kind}.keepalive")
            await self._finish(await self._outcome())
        finally:
            helpers = [task for task in (control, keepalive, self._body) if task is not None and not task.done()]
            for task in helpers:
                task.cancel()
            try:
                # Each has ended before the session closes (none left pending when the loop stops).
                await asyncio.gather(*helpers, return_exceptions=True)
            finally:
                # Closed even when a second cancellation cuts that wait short, as before the wait.
                try:
                    await self.close()
                except Exception:
                    log.exception("A %s session did not close cleanly", self.kind)

    async def _outcome(self) -> dict | None:
        """What to tell the web side when the body is over (None: it closed or went away)."""
        try:
            code, reason = await self._body
        except (asyncio.CancelledError, SessionStopped):
            if self.closed_by_peer or self.peer_lost:
                return None
            raise
        except StreamError as exc:
            return sm.Error(str(exc)).to_wire()
        except Exception as exc:
            log.exception("A %s session failed", self.kind)
            return sm.Error(f"The {self.kind} stream failed on the host: {exc}").to_wire()
        return sm.End(code, reason).to_wire()

    async def _finish(self, last: dict | None) -> None:
        if last is None:
            if self.peer_lost:
                log.info("A %s session ended: its web side went silent or did not come back", self.kind)
            return
        while self.detached_until is not None and not self.peer_lost:
            # Over while nobody watched: the web side that comes back within the grace reads the end.
            self._credit.clear()
            await self._credit.wait()
        if self.peer_lost:
            return
        await self._replayed.wait()
        try:
            await self._reply(last)
        except Exception as exc:
            log.info("Could not tell the web side that a %s session ended: %s", self.kind, exc)

    async def _reply(self, message: dict) -> None:
        """Sends to the web side, signed with the stream's key; a full channel is retried while
        the peer is not given up."""
        delay = 0.005
        to = self.reply_to  # a reattach meanwhile does not send this to the new web side
        message = self.key.sign(message)
        while True:
            try:
                await self.layer.send(to, message)
                self._last_sent = time.monotonic()
                return
            except ChannelFull:
                if time.monotonic() - self._last_heard > m.PEER_TIMEOUT:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)

    async def _control(self) -> None:
        try:
            await self._read_control()
        except redis.RedisError as exc:
            # The web side closed its socket (4503) when Redis failed under it, and never comes
            # back to this session: it ends as one whose peer went away.
            log.info("A %s session ended: Redis failed (%s)", self.kind, exc)
            self.peer_lost = True
            self.stop_body()

    async def _read_control(self) -> None:
        while True:
            raw = await self.layer.receive(self.channel)
            message = sm.parse_message(raw) or (parse_resume(raw) if self.resumable else None)
            self._last_heard = time.monotonic()
            if isinstance(message, Detach):
                if message.reply_to == self.reply_to:  # not a web side that was taken over
                    self.detach(message.grace)
            elif isinstance(message, Reattach):
                await self.reattach(message)
            elif isinstance(message, sm.Ack):
                self.acked = max(self.acked, message.seq)
                self._credit.set()
            elif isinstance(message, sm.Input):
                await self.on_input(message.data)
            elif isinstance(message, sm.Resize):
                await self.on_resize(message.cols, message.rows)
            elif isinstance(message, sm.Pause):
                self.paused = True
                await self.on_pause()
            elif isinstance(message, sm.Resume):
                self.paused = False
                self._credit.set()
                await self.on_resume()
            elif isinstance(message, sm.Close):
                self.closed_by_peer = True
                self.stop_body()
                return
            elif message is None:
                await self.on_message(raw)

    # -- resuming (wire.stream_resume) -----------------------------------------------------------

    def detach(self, grace: float) -> None:
        self.detached_until = time.monotonic() + grace
        log.info("A %s session was detached; it waits %.0f s for its web side", self.kind, grace)

    async def reattach(self, message: Reattach) -> None:
        """A new web side takes over: READY to it, then the replay of what it lacks, in a task of
        its own (it waits for acks, which this control task receives), then new output."""
        key = open_stream_key(self.streams.keys, {KEY_FIELD: message.key})
        if key is None:
            log.error("Refused to reattach a %s session: the new stream key is not sealed to this host", self.kind)
            return
        if self.detached_until is None and self.reply_to != message.reply_to:
            # Taken over while still attached (another tab): the old web side is told, not left hanging.
            with contextlib.suppress(Exception):
                await self.layer.send(self.reply_to, self.key.sign(TakenOver().to_wire()))
        start, reset, chunks = self.replay(message.offset)
        self.reply_to, self.session, self.key = message.reply_to, message.session, key
        self.seq = self.acked = 0
        self.detached_until = None
        self._replayed.clear()
        facts = {**self.reattach_facts(), "resumed": True, "offset": start, "reset": reset}
        await self._reply(sm.Ready(self.session, self.channel, facts).to_wire())
        self.streams.spawn(self._replay(chunks), name=f"{self.kind}.replay")
        self._credit.set()

    async def _replay(self, chunks: list[Any]) -> None:
        try:
            for chunk in chunks:
                await self.wait_for_credit(replaying=True)
                await self.send_data(chunk)
        except SessionStopped:
            pass
        finally:
            self._replayed.set()
            self._credit.set()

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(m.KEEPALIVE_EVERY / 2)
            now = time.monotonic()
            if self.detached_until is not None:
                if now > self.detached_until:
                    self.peer_lost = True
                    self.stop_body()
                    return
                continue  # nobody to keep alive, nobody to hear from
            if now - self._last_heard > m.PEER_TIMEOUT:
                self.peer_lost = True
                self.stop_body()
                return
            if now - self._last_sent >= m.KEEPALIVE_EVERY:
                try:
                    await self._reply(sm.KeepAlive().to_wire())
                except Exception as exc:
                    log.info("A %s session's keepalive failed: %s", self.kind, exc)
