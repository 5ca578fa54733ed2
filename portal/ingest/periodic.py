"""The portal worker's periodic jobs: the liveness watch every second, housekeeping hourly.
Loaded before Django is set up, so the jobs' modules are imported only once the worker runs."""

import logging
import threading
import time
from importlib import import_module

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections

__all__ = ["LivenessWatchStep"]

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = 3600.0


def _job(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


class LivenessWatchStep(bootsteps.StartStopStep):
    """Marks lost hosts offline every BERTH_LIVENESS_CHECK_EVERY seconds, and runs housekeeping
    (inventory tombstones, old terminal recordings) once an hour."""

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        jobs = [
            (settings.BERTH_LIVENESS_CHECK_EVERY, _job("portal.hosts.liveness.mark_lost_hosts")),
            (settings.BERTH_LIVENESS_CHECK_EVERY, _job("portal.operations.liveness.fail_lost_operations")),
            (HOUSEKEEPING_EVERY, _job("portal.inventory.housekeeping.purge_tombstones")),
            (HOUSEKEEPING_EVERY, _job("portal.terminals.housekeeping.purge_recordings")),
        ]
        due = [0.0] * len(jobs)
        while not self._stop.wait(settings.BERTH_LIVENESS_CHECK_EVERY):
            for index, (every, job) in enumerate(jobs):
                if time.monotonic() < due[index]:
                    continue
                due[index] = time.monotonic() + every
                try:
                    close_old_connections()
                    job()
                except Exception:
                    log.exception("Periodic job %s failed; trying again", job.__name__)

    def start(self, worker):
        self._thread = threading.Thread(target=self._run, name="berth-periodic", daemon=True)
        self._thread.start()

    def stop(self, worker):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
