"""The host worker's watch of its own consumer (wire/consuming.py): every few seconds, how many
operations and requests wait in its queue; when they have waited BERTH_CONSUMER_STALLED_AFTER
seconds while none of its task threads ran one, it says so and ends the worker, to be started
afresh by its supervisor."""

from __future__ import annotations

import logging
import threading

import redis

from wire.consuming import ConsumingWatch, end_this_worker, queue_depth

__all__ = ["ConsumingService"]

log = logging.getLogger(__name__)


class ConsumingService:
    """A service (workers/services.py): start() and stop()."""

    def __init__(self, broker: redis.Redis, queue: str, stalled_after: float, every: float = 2.0):
        self.watch = ConsumingWatch(lambda: queue_depth(broker, queue), stalled_after)
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                stalled = self.watch()
            except Exception:
                log.exception("The watch of this worker's queue failed; looking again")
                continue
            if stalled:
                end_this_worker()
                return

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="berth-consuming", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 1)
