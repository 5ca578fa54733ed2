"""Recording a terminal session as asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/):
a header line, then one JSON event per line: output "o", input "i", resize "r".

Bytes are decoded with incremental UTF-8 decoders (one per direction), so a character split
between two reads is written whole. A recording stops growing at BERTH_RECORDING_MAX_BYTES:
a last output event says so and the session is marked truncated. A session resumed after its
browser dropped (portal.terminals.consumers) appends to its recording, its times still counted
from the session's start.
"""

from __future__ import annotations

import codecs
import json
import os
import time
from pathlib import Path

__all__ = ["Recorder", "recordings_dir"]

TRUNCATED_NOTE = "\r\n\x1b[33m[Berth: the recording stopped here, at its size limit]\x1b[0m\r\n"


def recordings_dir() -> Path:
    from django.conf import settings

    return Path(settings.BERTH_RECORDINGS_DIR)


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
        # Owner-only whatever the umask: a recording holds everything typed, passwords included.
        mode = os.O_APPEND if started_at is not None else os.O_TRUNC
        # Bytes, encoded once here: under a hundred floods every output byte passes through this
        # file, and a text file's own encoding (with a second one to count) was most of its cost.
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

    def _write(self, line: str) -> None:
        encoded = line.encode()
        self._file.write(encoded)
        self._file.write(b"\n")
        self.bytes += len(encoded) + 1

    def _event(self, code: str, text: str) -> None:
        if self.truncated or self._file.closed or not text:
            return
        line = json.dumps([round(time.monotonic() - self.started, 6), code, text], ensure_ascii=False)
        if self.bytes + len(line) + 1 > self.max_bytes:
            self.truncated = True
            note = json.dumps([round(time.monotonic() - self.started, 6), "o", TRUNCATED_NOTE])
            self._write(note)
            return
        self._write(line)

    def output(self, data: bytes) -> None:
        self._event("o", self._decoders["o"].decode(data))

    def input(self, data: bytes) -> None:
        self._event("i", self._decoders["i"].decode(data))

    def resize(self, cols: int, rows: int) -> None:
        self._event("r", f"{cols}x{rows}")

    def marker(self, label: str) -> None:
        """A marker event ("m"): who joined, left, ended the session."""
        self._event("m", label)

    def close(self) -> None:
        if not self._file.closed:
            for code, decoder in self._decoders.items():
                self._event(code, decoder.decode(b"", final=True))
            self._file.close()
