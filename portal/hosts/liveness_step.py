"""Runs the liveness watch inside the portal worker. Loaded before Django is set up, so the
models are imported only once the worker runs."""

import logging
import threading

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections

__all__ = ["LivenessWatchStep"]

log = logging.getLogger(__name__)


class LivenessWatchStep(bootsteps.StartStopStep):
    """Marks lost hosts offline every BERTH_LIVENESS_CHECK_EVERY seconds."""

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        from portal.hosts.liveness import mark_lost_hosts

        while not self._stop.wait(settings.BERTH_LIVENESS_CHECK_EVERY):
            try:
                close_old_connections()
                mark_lost_hosts()
            except Exception:
                log.exception("Liveness check failed; trying again")

    def start(self, worker):
        self._thread = threading.Thread(target=self._run, name="berth-liveness", daemon=True)
        self._thread.start()

    def stop(self, worker):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
