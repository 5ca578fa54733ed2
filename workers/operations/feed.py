"""An operation's live progress: what changed is sent to its channel-layer group at most
every `interval` seconds (the first change at once), and the whole picture so far is kept
in Redis for a viewer who connects late. Both MACed with the operation's key (wire.progress):
without one (a task from before progress was signed) nothing is sent live, since the portal would
drop it; the end report still carries the whole log."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from engine.progress import BuildLog, LayerBoard
from wire.names import operation_group, operation_progress_key
from wire.progress import OperationProgress, ProgressSnapshot, signed_snapshot
from wire.stream_signing import StreamKey

__all__ = ["ProgressFeed"]

log = logging.getLogger(__name__)

LOG_KEPT = 2000  # lines a late viewer gets back, and the operation's record keeps
PROGRESS_TTL = 24 * 3600


class ProgressFeed:
    """Takes engine stream lines (pull/push/build) from the operation's thread; a flusher
    thread sends batches. `send(group, message)` is StreamLoop.group_send; `store(key, text, ttl)`
    writes the snapshot (a Redis SET with expiry); `key` MACs both."""

    def __init__(
        self,
        operation_id: int,
        slug: str,
        send: Callable[[str, dict], object],
        store: Callable[[str, str, int], object],
        interval: float = 0.1,
        key: StreamKey | None = None,
    ):
        self.operation_id = operation_id
        self._key = key
        self.group = operation_group(operation_id)
        self.key = operation_progress_key(slug, operation_id)
        self._send = send
        self._store = store
        self.interval = interval
        self.board = LayerBoard()
        self.build = BuildLog()
        self.log: deque[str] = deque(maxlen=LOG_KEPT)
        self.seq = 0
        self.sent = 0
        self._changed: set[str] = set()
        self._new_lines: list[str] = []
        self._dirty = False
        self._last_flush = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"berth-progress-{operation_id}", daemon=True)
        self._thread.start()

    # -- from the operation's thread --------------------------------------------------------

    def image_line(self, line: dict) -> None:
        """One line of a pull or push stream."""
        with self._lock:
            layer = self.board.apply(line)
            if layer is not None:
                self._changed.add(layer.id)
            elif line.get("status") and not line.get("id"):
                self._lines([str(line["status"])])
            self._dirty = True
        self._maybe_flush()

    def build_line(self, line: dict) -> None:
        """One line of a build stream."""
        with self._lock:
            lines = self.build.apply(line)
            if lines:
                self._lines(lines)
                self._dirty = True
        self._maybe_flush()

    def note(self, text: str) -> None:
        """A line of the operation's own ("Pulling busybox:latest first…")."""
        with self._lock:
            self._lines([text])
            self._dirty = True
        self._maybe_flush()

    def _lines(self, lines: list[str]) -> None:
        self.log.extend(lines)
        self._new_lines.extend(lines)

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._last_flush >= self.interval:
            self.flush()
        else:
            self._wake.set()

    # -- sending ---------------------------------------------------------------------------

    def flush(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            self.seq += 1
            batch = OperationProgress(
                operation=self.operation_id,
                seq=self.seq,
                layers=[self.board.layers[i].as_dict() for i in sorted(self._changed)],
                status=self.board.status,
                step=self.build.step,
                log=self._new_lines,
            )
            snapshot = self._snapshot()
            self._changed, self._new_lines, self._dirty = set(), [], False
            self._last_flush = time.monotonic()
        if self._key is None:
            return
        try:
            self._store(self.key, signed_snapshot(self._key, snapshot), PROGRESS_TTL)
            self._send(self.group, self._key.sign(batch.to_wire()))
            self.sent += 1
        except Exception as exc:  # a viewer misses a batch; the final state still comes
            log.warning("Progress of operation %s not sent: %s", self.operation_id, exc)

    def summary(self) -> dict:
        """Everything so far: what a late viewer starts from, and what the operation's record keeps."""
        return self._snapshot().to_wire()

    def _snapshot(self) -> ProgressSnapshot:
        return ProgressSnapshot(
            seq=self.seq,
            layers=self.board.snapshot(),
            status=self.board.status,
            step=self.build.step,
            log=list(self.log),
        )

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            wait = self.interval - (time.monotonic() - self._last_flush)
            if wait > 0:
                time.sleep(wait)
            self.flush()

    def close(self) -> dict:
        """Send what is left; answers the summary."""
        with self._lock:
            self._lines(self.build.flush())
            if self._new_lines:
                self._dirty = True
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=2)
        self.flush()
        return self.summary()
