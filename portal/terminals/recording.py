"""Recording a terminal session as asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/):
a header line, then one JSON event per line: output "o", input "i", resize "r".

Bytes are decoded with incremental UTF-8 decoders (one per direction), so a character split
between two reads is written whole. A recording stops growing at BERTH_RECORDING_MAX_BYTES:
a last output event says so and the session is marked truncated. A session resumed after its
browser dropped (portal.terminals.consumers) appends to its recording, its times still counted
from the session's start.

Events are taken on the event loop (a time and the bytes: nothing more) and written by the
process's one recordings thread, every FLUSH_EVERY, each recording in order: under a hundred busy
terminals the decoding, the JSON and the writes of every output byte were a quarter of the web
process's loop (py-spy, docs/architecture.md), ahead of every keystroke's echo. `close()` writes
what is left in the caller's thread (the session's end runs in a thread already), so the file is
whole, and its size known, once it returns.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import threading
import time
from json.encoder import encode_basestring
from pathlib import Path

__all__ = ["Recorder", "recordings_dir"]

log = logging.getLogger(__name__)

# How often the recordings thread writes what the sessions took meanwhile.
FLUSH_EVERY = 0.1
# A recording with this much not yet written is written by its caller (the thread is behind).
PENDING_LIMIT = 4 * 1024 * 1024

TRUNCATED_NOTE = "\r\n\x1b[33m[Berth: the recording stopped here, at its size limit]\x1b[0m\r\n"


def recordings_dir() -> Path:
    from django.conf import settings

    return Path(settings.BERTH_RECORDINGS_DIR)


class _RecordingsThread:
    """The process's one writer of recordings: started on the first event, it sleeps while no
    recording has events to write."""

    def __init__(self):
        self._lock = threading.Lock()
        self._due: dict[int, Recorder] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self, recorder: Recorder) -> None:
        with self._lock:
            self._due[id(recorder)] = recorder
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="berth-recordings", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(FLUSH_EVERY)  # what comes meanwhile is written in the same turn
            with self._lock:
                self._wake.clear()
                due, self._due = self._due, {}
            for recorder in due.values():
                try:
                    recorder.flush()
                except Exception:  # one recording's disk trouble must not stop the others'
                    log.exception("Could not write the recording %s", recorder.path)


_writer = _RecordingsThread()


class Recorder:
    def __init__(
        self,
        path: Path,
        *,
        cols: int,
        rows: int,
        max_bytes: int,
        title: str = "",
        command: str = "",
        started_at: float | None = None,
        truncated: bool = False,
    ):
        """A new recording; or, with `started_at` (the session's start, epoch seconds), the rest
        of an existing one."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self.started = time.monotonic() - (time.time() - started_at if started_at is not None else 0.0)
        self.truncated = truncated
        self.bytes = 0
        self._decoders = {
            "o": codecs.getincrementaldecoder("utf-8")(errors="replace"),
            "i": codecs.getincrementaldecoder("utf-8")(errors="replace"),
        }
        # Events taken and not yet written: (seconds since the start, code, bytes or text).
        self._pending: list[tuple[float, str, bytes | str]] = []
        self._pending_bytes = 0
        self._closing = False
        self._lock = threading.Lock()  # the pending events
        self._writing = threading.Lock()  # the file: the recordings thread, or close()
        # Owner-only whatever the umask: a recording holds everything typed, passwords included.
        # Bytes, encoded once here (a text file encodes again, and its size was counted a third time).
        mode = os.O_APPEND if started_at is not None else os.O_TRUNC
        self._file = open(os.open(path, os.O_WRONLY | os.O_CREAT | mode, 0o600), "wb")  # noqa: SIM115
        if started_at is not None:
            self.bytes = path.stat().st_size
            return
        header = {
            "version": 2,
            "width": cols,
            "height": rows,
            "timestamp": int(time.time()),
            "title": title,
            "env": {"TERM": "xterm-256color", "SHELL": command},
        }
        self._write(json.dumps(header, ensure_ascii=False))
        self._file.flush()

    # -- on the event loop: taken, not written --------------------------------------------------

    def _take(self, code: str, data: bytes | str) -> None:
        if self.truncated or self._closing or not data:
            return
        with self._lock:
            self._pending.append((time.monotonic() - self.started, code, data))
            self._pending_bytes += len(data)
            first, behind = len(self._pending) == 1, self._pending_bytes > PENDING_LIMIT
        if behind:
            self.flush()
        elif first:
            _writer.due(self)

    def output(self, data: bytes) -> None:
        self._take("o", data)

    def input(self, data: bytes) -> None:
        self._take("i", data)

    def resize(self, cols: int, rows: int) -> None:
        self._take("r", f"{cols}x{rows}")

    def marker(self, label: str) -> None:
        """A marker event ("m"): who joined, left, ended the session."""
        self._take("m", label)

    # -- in the recordings thread (or close) -----------------------------------------------------

    def flush(self) -> None:
        """Writes the events taken so far, in order."""
        with self._writing:
            with self._lock:
                events, self._pending, self._pending_bytes = self._pending, [], 0
            if self._file.closed:
                return
            for at, code, data in events:
                self._event(at, code, self._decoders[code].decode(data) if code in self._decoders else data)
            self._file.flush()

    def _write(self, line: str) -> None:
        encoded = line.encode()
        self._file.write(encoded)
        self._file.write(b"\n")
        self.bytes += len(encoded) + 1

    def _event(self, at: float, code: str, text: str) -> None:
        if self.truncated or not text:
            return
        # What json.dumps([at, code, text], ensure_ascii=False) writes, without its encoder's
        # turn through the list (a third of the time, for a flood's 20 KB events).
        line = f"[{round(at, 6)!r}, {encode_basestring(code)}, {encode_basestring(text)}]"
        if self.bytes + len(line) + 1 > self.max_bytes:
            self.truncated = True
            self._write(json.dumps([round(at, 6), "o", TRUNCATED_NOTE]))
            return
        self._write(line)

    def close(self) -> None:
        """Writes what is left and closes the file (in the caller's thread)."""
        self._closing = True
        self.flush()
        with self._writing:
            if self._file.closed:
                return
            at = time.monotonic() - self.started
            for code, decoder in self._decoders.items():
                self._event(at, code, decoder.decode(b"", final=True))
            self._file.close()
