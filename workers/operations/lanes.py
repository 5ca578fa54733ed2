"""Lanes: a bounded set of threads for one kind of operation, the rest waiting their turn in order.

The host worker runs operations in Celery's thread pool (`--concurrency`, 4 by default). A stop
or a restart holds its thread for as long as the container takes to exit, up to its timeout
(≤ 300 s); a few of them at once would hold every thread, and a pull, a build or an inventory
resync sent meanwhile would wait behind them. So lifecycle actions run in a lane of their own
(workers/operations/runner.py): the Celery thread hands the operation over and is free at once,
at most `threads` of them run together, and the others wait in the lane in the order they came.
A lane full of waiting work (`limit`) refuses more rather than growing without bound.

When the worker stops, what still waits is given up (`on_cancel` says so for each) and what runs
is waited for, as Celery waits for its own tasks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["Lane", "LaneFull"]

log = logging.getLogger(__name__)

WAITING_LIMIT = 500


class LaneFull(Exception):
    """The lane already holds `limit` waiting pieces of work."""


class Lane:
    def __init__(self, name: str, threads: int, limit: int = WAITING_LIMIT):
        if threads < 1:
            raise ValueError("A lane needs at least one thread.")
        self.name = name
        self.threads = threads
        self.limit = limit
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"berth-{name}")
        self._lock = threading.Lock()
        self._waiting = 0
        self._running = 0

    @property
    def waiting(self) -> int:
        with self._lock:
            return self._waiting

    @property
    def running(self) -> int:
        with self._lock:
            return self._running

    def submit(self, work: Callable[[], None], on_cancel: Callable[[], None] | None = None) -> int:
        """Queues `work` and answers how many pieces wait ahead of it for a thread of the lane.
        Raises LaneFull when `limit` already wait."""
        with self._lock:
            if self._waiting >= self.limit:
                raise LaneFull(f"The {self.name} lane already has {self._waiting} operations waiting.")
            ahead = self._waiting
            self._waiting += 1
        future = self._executor.submit(self._run, work)
        future.add_done_callback(lambda done: self._done(done, on_cancel))
        return ahead

    def _run(self, work: Callable[[], None]) -> None:
        with self._lock:
            self._waiting -= 1
            self._running += 1
        try:
            work()
        finally:
            with self._lock:
                self._running -= 1

    def _done(self, future: Future, on_cancel: Callable[[], None] | None) -> None:
        if future.cancelled():
            with self._lock:
                self._waiting -= 1
            if on_cancel is not None:
                on_cancel()
        elif (error := future.exception()) is not None:  # `work` reports its own failures
            log.error("Work in the %s lane failed: %r", self.name, error)

    # -- a service of the host worker (workers/services.py) --------------------------------------

    def start(self) -> None:
        """Threads start as work comes."""

    def stop(self) -> None:
        """Gives up what waits (each `on_cancel` runs) and waits for what runs."""
        self._executor.shutdown(wait=True, cancel_futures=True)
