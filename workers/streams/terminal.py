"""Terminal (interactive exec with a TTY) and attach sessions on the host worker.

Bytes flow raw both ways: the engine's stream is read on the event loop (never a blocking
call there; SDK calls such as create, resize and inspect run on a small thread pool) and
each read takes what the engine has already sent, up to MAX_CHUNK, so a keystroke's echo
goes out at once and a flood goes out in large chunks. While the web side is behind, the
session stops reading: the engine's buffer fills and the process blocks on its output.

Both may be watched read-only (wire.stream_watch): a watcher is sent the tail, then what the
owner is sent. Both survive their web side going away (`resumable`, wire.stream_resume): while detached the
output waits as it does for a slow browser, and the last TAIL_BYTES sent are kept, so that a web
side that comes back within the grace period is sent exactly the bytes its browser lacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from engine.demux import Demuxer
from engine.exec import (
    attach_path,
    container_exit_code,
    create_exec,
    end_exec_process,
    exec_exit_code,
    exec_start_path,
    resize_container_tty,
    resize_exec,
    running_container,
    supports_console_size,
)
from engine.upgraded import UpgradedStream, UpgradeRefused, open_upgraded
from wire import stream_watch as w
from wire import streams as m
from wire.stream_signing import StreamKey, open_stream_key
from workers.streams.engine_session import EngineSession
from workers.streams.loop import StreamLoop
from workers.streams.output_tail import OutputTail
from workers.streams.session import StreamError

__all__ = ["AttachSession", "ConsoleSession", "TerminalSession"]

log = logging.getLogger(__name__)

# A session whose output keeps coming sends at most one chunk per this interval (or MAX_CHUNK);
# one whose output has kept coming unprompted by input for FLOOD_AFTER (`yes`, `cat` of a big
# file, a chatty attach, a loop printing every 100 ms) per FLOOD_BATCH_SECONDS, so that a hundred
# floods cost the web process five hundred messages a second, not several thousand (each costs a
# turn through Redis, the consumer and the websocket on both sides). Output keeps coming while
# no gap between two sends is longer than QUIET_SECONDS: a flood that prints in bursts (a line
# each 100 ms) is a flood too, not a string of quiet spells each sent at once. Output that answers
# input goes at once, in the urgent lane.
# Output nobody typed for waits this long for the rest of its burst even after a quiet spell: a
# program's write of 10 KB reaches here in pieces a millisecond apart, and goes as one chunk.
BATCH_SECONDS = 0.005
GATHER_SECONDS = 0.005
FLOOD_AFTER = 0.1
FLOOD_BATCH_SECONDS = 0.2
QUIET_SECONDS = 0.5
# Input waiting for a process that does not read it is dropped past this.
INPUT_LIMIT = 1024 * 1024
# Output kept for a web side that comes back: more than the credit window can have in flight
# (WINDOW * MAX_CHUNK), so a browser that lost what was in flight when it dropped gets it all.
TAIL_BYTES = 2 * m.WINDOW * m.MAX_CHUNK
# What a new watcher is sent of that, to rebuild the screen from: enough for a screen's worth.
WATCH_TAIL = 64 * 1024
# Messages waiting to go to a session's watchers: past this they are behind, and start again.
WATCH_BACKLOG = 256


def _size(value, default: int, most: int) -> int:
    try:
        return max(1, min(int(value), most))
    except (TypeError, ValueError):
        return default


class ConsoleSession(EngineSession):
    """What terminals and attach share: the engine's raw stream, read on the loop, input writing,
    and the tail of output kept for a web side that comes back."""

    resumable = True

    def __init__(self, streams: StreamLoop, request: dict, **context):
        super().__init__(streams, request, **context)
        self.tail = OutputTail(TAIL_BYTES)
        # Watchers' reply channels, and when each was last heard from (loop time), and the key
        # each watcher's web side sealed to this host (what it is sent is signed with it); what is
        # to go to them, sent in order by a task of its own so that the owner never waits for them.
        self.watchers: dict[str, float] = {}
        self.watch_keys: dict[str, StreamKey] = {}
        self._for_watchers: asyncio.Queue[dict] = asyncio.Queue(WATCH_BACKLOG)
        self._watch_sender: asyncio.Task | None = None
        self.stream: UpgradedStream | None = None
        self.container_id = ""
        self.cols = _size(request.get("cols"), 80, 1000)
        self.rows = _size(request.get("rows"), 24, 1000)
        self._input: asyncio.Queue[bytes] = asyncio.Queue()
        self._input_pending = 0
        # Inputs received so far: output read after the n-th answers it. A count, not a time: the
        # worker's loop (uvloop) tells time in whole milliseconds, and a key typed in the
        # millisecond its previous echo was read was once taken for answered, its echo held for
        # the batch window (10 % of keys typed back to back).
        self.inputs = 0
        self._writing = False
        self._writer: asyncio.Task | None = None

    async def connect(self, path: str, body: dict | None = None) -> None:
        try:
            self.stream = await open_upgraded(self.engine.base_url, path, body)
        except (UpgradeRefused, OSError, TimeoutError) as exc:
            raise StreamError(f"The engine refused the stream: {exc}") from None
        self._writer = self.streams.spawn(self._write_input(), name="terminal input")

    async def on_input(self, data) -> None:
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        self.inputs += 1
        if self._input_pending + len(data) > INPUT_LIMIT:
            # The process is not reading its input: memory per session stays bounded.
            log.warning("Dropped %d bytes of input to %s: the process is not reading", len(data), self.container[:12])
            return
        if not self._writing and self._input.empty():
            # The usual keystroke: straight to the engine, without a turn through the writer.
            try:
                sent = self.stream.sock.send(data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                return
            data = data[sent:]
            if not data:
                return
        self._input_pending += len(data)
        self._input.put_nowait(bytes(data))

    async def _write_input(self) -> None:
        """Input goes out in its own task, so a process that does not read its stdin never
        holds up acks and control messages."""
        while True:
            data = await self._input.get()
            while not self._input.empty() and len(data) < m.MAX_CHUNK:
                data += self._input.get_nowait()
            self._input_pending -= len(data)
            self._writing = True
            try:
                await self.stream.write(data)
            except OSError:
                return
            finally:
                self._writing = False

    async def relay(self, decode: Callable[[bytes], bytes] | None = None) -> None:
        """Engine output to the web side until the engine closes the stream.

        Output that answers input (input arrived after the last chunk's bytes were read, even
        while that chunk was on its way) goes at once, whatever was sent just before: a
        keystroke's echo is never held, however fast the keys come.
        Output nobody typed for waits GATHER_SECONDS for the rest of its burst, and when it
        follows other output within BATCH_SECONDS the rest of that interval, taking what else
        arrives, up to MAX_CHUNK: a busy session sends fewer, larger chunks, and a flooding one
        (no gap longer than QUIET_SECONDS for FLOOD_AFTER) fewer still (FLOOD_BATCH_SECONDS)."""
        loop = asyncio.get_running_loop()
        # When the last chunk was sent, and how many inputs had come when its last bytes were read:
        # input after that is not answered by it (input that came while the chunk was on its way to
        # Redis was once taken for answered, and its echo held: 7 % of keys typed back to back).
        last_sent = busy_since = 0.0
        answered = 0
        # A read that the batch window closed on is never cancelled (its bytes would be lost if
        # it completed as the window closed: seen under a hundred floods); it starts the next chunk.
        reading: asyncio.Task | None = None
        try:
            while True:
                if reading is None:
                    data, read_after = await self._read(m.MAX_CHUNK)
                else:
                    (data, read_after), reading = await reading, None
                if not data:
                    return
                now = loop.time()
                answering = self.inputs > answered
                if answering or now - last_sent > max(QUIET_SECONDS, FLOOD_BATCH_SECONDS):
                    busy_since = now  # after a quiet spell, or answering input: not a flood
                flooding = now - busy_since >= FLOOD_AFTER
                interval = FLOOD_BATCH_SECONDS if flooding else BATCH_SECONDS
                due = now if answering else max(now + GATHER_SECONDS, last_sent + interval)
                while len(data) < m.MAX_CHUNK and not self.stream.eof and (wait := due - loop.time()) > 0:
                    reading = reading or loop.create_task(self._read(m.MAX_CHUNK - len(data)))
                    done, _ = await asyncio.wait({reading}, timeout=wait)
                    if not done:
                        break
                    (more, read_after), reading = reading.result(), None
                    data += more
                    if self.inputs > answered:
                        break  # typed while waiting: what is held now answers it
                if decode is not None:
                    data = decode(data)
                    if not data:
                        continue
                urgent, answered = self.inputs > answered, read_after
                await self.emit(data, urgent=urgent)
                last_sent = loop.time()
        finally:
            if reading is not None:
                reading.cancel()

    async def _read(self, most: int) -> tuple[bytes, int]:
        """What the engine sent (up to `most` bytes), and how many inputs had come when it was read."""
        data = await self.stream.read(most)
        return data, self.inputs

    async def emit(self, data: bytes, urgent: bool = False) -> None:
        await self.wait_for_credit()
        offset = self.tail.end
        self.tail.append(data)
        await self.send_data(data, urgent)
        if self.watchers:
            self.to_watchers_soon({"type": w.OUTPUT, "offset": offset, "data": data})

    def to_watchers_soon(self, message: dict) -> None:
        if self._watch_sender is None:
            self._watch_sender = self.streams.spawn(self._send_to_watchers(), name="terminal watchers")
        try:
            self._for_watchers.put_nowait(message)
        except asyncio.QueueFull:  # they are behind: each starts again from the tail at its next WATCH
            self.watchers.clear()
            self.watch_keys.clear()

    async def _send_to_watchers(self) -> None:
        while True:
            message = await self._for_watchers.get()
            try:
                await self.to_watchers(message)
            finally:
                self._for_watchers.task_done()

    async def to_watchers(self, message: dict) -> None:
        """The same message to every watcher, at once; one that cannot take it is dropped (it
        starts again from the tail at its next WATCH), one not heard from for PEER_TIMEOUT too."""
        quiet_since = asyncio.get_running_loop().time() - m.PEER_TIMEOUT
        for channel in [c for c, heard in self.watchers.items() if heard < quiet_since]:
            del self.watchers[channel]
            self.watch_keys.pop(channel, None)
        channels = [c for c in self.watchers if c in self.watch_keys]
        sent = await asyncio.gather(
            *(self.layer.send(c, self.watch_keys[c].sign(message)) for c in channels), return_exceptions=True
        )
        for channel, outcome in zip(channels, sent, strict=True):
            if isinstance(outcome, Exception):
                self.watchers.pop(channel, None)
                self.watch_keys.pop(channel, None)

    async def on_message(self, message: dict) -> None:
        kind, reply_to = message.get("type"), message.get("reply_to")
        if not isinstance(reply_to, str) or not reply_to:
            return
        if kind == w.UNWATCH:
            self.watchers.pop(reply_to, None)
            self.watch_keys.pop(reply_to, None)
        elif kind == w.WATCH:
            new = reply_to not in self.watchers
            if new:
                key = open_stream_key(self.streams.keys, message)
                if key is None:
                    log.error("Refused a watcher of a %s session: its key is not sealed to this host", self.kind)
                    return
                self.watch_keys[reply_to] = key
            self.watchers[reply_to] = asyncio.get_running_loop().time()
            if new:
                start, data = self.tail.since(max(self.tail.start, self.tail.end - WATCH_TAIL))
                tail = {"type": w.TAIL, "offset": start, "data": data, "cols": self.cols, "rows": self.rows}
                try:
                    await self.layer.send(reply_to, self.watch_keys[reply_to].sign(tail))
                except Exception:  # full, or gone: it asks again
                    self.watchers.pop(reply_to, None)
                    self.watch_keys.pop(reply_to, None)

    def replay(self, offset: int) -> tuple[int, bool, list[bytes]]:
        start, data = self.tail.since(offset)
        return start, start != offset, [data[i : i + m.MAX_CHUNK] for i in range(0, len(data), m.MAX_CHUNK)]

    def reattach_facts(self) -> dict:
        return {"cols": self.cols, "rows": self.rows}

    async def close(self) -> None:
        if self._watch_sender is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._for_watchers.join(), 2)
            self._watch_sender.cancel()
        if self.watchers:
            await self.to_watchers({"type": w.OVER, "reason": "The session is over."})
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        if self.stream is not None:
            self.stream.close()


class TerminalSession(ConsoleSession):
    """An interactive exec with a TTY: `cmd` (list or None for the default shell), `user`,
    `cols`, `rows`. READY carries the command that runs; END the exit code."""

    kind = "terminal"

    async def open(self) -> dict:
        command = self.request.get("cmd") or None
        if isinstance(command, str):
            command = [command]
        inspect = await self.blocking(running_container, self.engine, self.container)
        self.container_id = inspect["Id"]
        self.exec_id, command, api_version = await self.blocking(
            create_exec, self.engine, self.container_id, command, self.request.get("user") or "", self.cols, self.rows
        )
        path, body = exec_start_path(api_version, self.exec_id)
        await self.connect(path, body)
        if not supports_console_size(api_version):
            # No ConsoleSize before API 1.42: size it now, before any byte is forwarded.
            await self.blocking(resize_exec, self.engine, self.exec_id, self.cols, self.rows)
        return {"command": command, "exec": self.exec_id}

    async def produce(self) -> tuple[int | None, str]:
        await self.relay()
        code = await self.blocking(exec_exit_code, self.engine, self.exec_id)
        if code is None:
            return None, "The process ended."
        return code, f"The process exited with code {code}."

    async def on_resize(self, cols: int, rows: int) -> None:
        self.cols, self.rows = _size(cols, 80, 1000), _size(rows, 24, 1000)
        await self.blocking(resize_exec, self.engine, self.exec_id, self.cols, self.rows)
        if self.watchers:
            self.to_watchers_soon({"type": w.RESIZED, "cols": self.cols, "rows": self.rows})

    async def close(self) -> None:
        exec_id = getattr(self, "exec_id", None)
        if exec_id is not None and self.stream is not None and not self.stream.eof:
            try:
                outcome = await self.blocking(end_exec_process, self.engine, exec_id, self.container_id)
            except StreamError as exc:
                outcome = f"failed ({exc})"
            if outcome not in ("ended", "signalled"):
                log.warning(
                    "Could not signal exec %s of container %s (%s); closing its stdin instead",
                    exec_id[:12],
                    self.container_id[:12],
                    outcome,
                )
                self.stream.close_input()
        await super().close()


class AttachSession(ConsoleSession):
    """The container's main process console. Detaching (closing) leaves the container running."""

    kind = "attach"

    async def open(self) -> dict:
        inspect = await self.blocking(running_container, self.engine, self.container)
        self.container_id = inspect["Id"]
        config = inspect.get("Config") or {}
        self.tty = bool(config.get("Tty"))
        api_version = await self.blocking(self.engine.api_version)
        await self.connect(attach_path(api_version, self.container_id))
        if self.tty:
            await self.blocking(resize_container_tty, self.engine, self.container_id, self.cols, self.rows)
        return {"tty": self.tty, "stdin": bool(config.get("OpenStdin"))}

    async def produce(self) -> tuple[int | None, str]:
        await self.relay(Demuxer(tty=self.tty).payload)
        code = await self.blocking(container_exit_code, self.engine, self.container_id)
        if code is None:
            return None, "The console closed."
        return code, f"The container exited with code {code}."

    async def on_resize(self, cols: int, rows: int) -> None:
        if self.tty:
            await self.blocking(resize_container_tty, self.engine, self.container_id, cols, rows)
