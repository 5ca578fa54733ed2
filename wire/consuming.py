"""Whether a Celery worker (the portal's, a host's) still takes messages off its queue.

Celery's consumer has been known to stay silent after its broker connection came back (celery
#8030, #8091, #10205): the process lives, messages pile up in its queue (hosts' reports, a host's
operations), and nothing runs them until someone restarts it. Each worker watches for exactly that
— messages waiting all along, for BERTH_CONSUMER_STALLED_AFTER seconds, while none of its task
threads ran one — says so in the log, and ends itself, so that its supervisor (`make run`:
stack/supervisor.py, or systemd) starts a fresh one, which connects afresh. The portal worker
looks from its periodic thread (portal/ingest/periodic.py), a host worker from a service thread
(workers/consuming.py).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

import redis
from celery.signals import task_postrun, task_prerun

from wire.names import queue_lists

__all__ = ["DEFAULT_STALLED_AFTER", "ConsumingWatch", "TaskActivity", "activity", "end_this_worker", "queue_depth"]

log = logging.getLogger(__name__)

DEFAULT_STALLED_AFTER = 60.0


def queue_depth(client: redis.Redis, queue: str) -> int | None:
    """How many messages wait in `queue` (all its priorities); None when Redis does not answer."""
    try:
        with client.pipeline(transaction=False) as pipe:
            for key in queue_lists(queue):
                pipe.llen(key)
            return sum(pipe.execute())
    except redis.RedisError:
        return None


class TaskActivity:
    """How many tasks this process runs now, and when one last started or ended."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self.running = 0
        self.last = clock()

    def started(self, **_kwargs) -> None:
        with self._lock:
            self.running += 1
            self.last = self._clock()

    def ended(self, **_kwargs) -> None:
        with self._lock:
            self.running = max(0, self.running - 1)
            self.last = self._clock()


activity = TaskActivity()
task_prerun.connect(activity.started, weak=False)
task_postrun.connect(activity.ended, weak=False)


class ConsumingWatch:
    """Called now and then: True (and logged) once messages have waited `stalled_after` seconds with
    this worker idle all that time. `depth` is how many wait (None: the broker does not answer,
    which is not this worker's fault)."""

    def __init__(
        self,
        depth: Callable[[], int | None],
        stalled_after: float,
        tasks: TaskActivity = activity,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.depth, self.tasks, self.stalled_after, self.clock = depth, tasks, stalled_after, clock
        self.waiting_since: float | None = None
        self.checked_at: float | None = None

    def __call__(self) -> bool:
        waiting, now = self.depth(), self.clock()
        since, checked, self.checked_at = self.waiting_since, self.checked_at, now
        busy = self.tasks.running > 0 or (since is not None and self.tasks.last > since)
        # A long gap since the last look (the process was stopped, the machine slept) tells nothing.
        gap = checked is not None and now - checked > self.stalled_after / 2
        if not waiting or busy or since is None or gap:
            # Nothing waits, or this worker is at it, or the wait just began: the watch starts (again).
            self.waiting_since = now if waiting else None
            return False
        idle = now - since
        if idle < self.stalled_after:
            return False
        log.error(
            "This worker has taken nothing off its queue for %.0f s while %d messages wait there: "
            "its broker connection is stuck. Ending it so that a fresh one starts.",
            idle,
            waiting,
        )
        return True


def end_this_worker() -> None:
    """A warm shutdown (SIGTERM); if that does not end the process within 10 s, it exits."""
    os.kill(os.getpid(), signal.SIGTERM)
    timer = threading.Timer(10.0, os._exit, args=(70,))
    timer.daemon = True
    timer.start()
