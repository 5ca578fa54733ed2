"""The portal worker's periodic jobs: the liveness watches every BERTH_LIVENESS_CHECK_EVERY
seconds, housekeeping hourly; at its start, a full inventory asked of every online host; and a
watch that ends the worker when its consumer went silent (wire/consuming.py). This
module imports models, so Celery loads it by name once Django is set up (portal/celery.py)."""

import logging
import threading
import time

from celery import bootsteps
from django.conf import settings
from django.db import close_old_connections

from portal.alerts.detect import settle_restart_loops
from portal.alerts.firing import send_summaries
from portal.alerts.partly_down import judge_partly_down
from portal.alerts.tasks import kick_due_deliveries
from portal.hosts.broker import queue_depth, redis_answers
from portal.hosts.enrollment import refresh_enrolled_users
from portal.hosts.liveness import Hearing, mark_lost_hosts
from portal.ingest.housekeeping import purge_tombstones
from portal.ingest.inventory import resync_online_hosts
from portal.operations.liveness import fail_lost_operations
from portal.stacks.tasks import kick_due_polls
from portal.terminals.housekeeping import ALIVE_EVERY, end_orphaned_sessions, purge_recordings
from wire.consuming import ConsumingWatch, end_this_worker
from wire.names import PORTAL_QUEUE

__all__ = ["JOBS", "JUDGE_SILENCE", "PeriodicJobsStep"]

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = 3600.0
ALERT_SETTLE_EVERY = 10.0
GIT_POLL_EVERY = 5.0


# Each job with its period in seconds; None is every liveness check (BERTH_LIVENESS_CHECK_EVERY).
JOBS = (
    (mark_lost_hosts, None),
    (fail_lost_operations, None),
    (purge_tombstones, HOUSEKEEPING_EVERY),
    (purge_recordings, HOUSEKEEPING_EVERY),
    # At the worker's start too: sessions a crashed web process left open are closed at once.
    (end_orphaned_sessions, ALIVE_EVERY),
    # Alerts: deliveries due (retries, and what a dead worker held), summaries of flapping
    # alerts at the end of their cooldown, restart loops that went quiet.
    (kick_due_deliveries, None),
    (send_summaries, None),
    (settle_restart_loops, ALERT_SETTLE_EVERY),
    # Git stacks whose poll interval has passed (each checked by a task of its own).
    (kick_due_polls, GIT_POLL_EVERY),
    # Stacks partly running past their grace (no event comes when time passes).
    (judge_partly_down, None),
)
# The jobs that take a silence for a death: skipped while the portal cannot hear (Hearing).
JUDGE_SILENCE = {mark_lost_hosts, fail_lost_operations}


class PeriodicJobsStep(bootsteps.StartStopStep):
    """Runs JOBS in one thread of the portal worker, each at its own pace; a job that fails is
    logged and tried again at its next turn."""

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.hearing = Hearing(redis_answers)
        self.consuming = ConsumingWatch(
            lambda: queue_depth(PORTAL_QUEUE), stalled_after=settings.BERTH_CONSUMER_STALLED_AFTER
        )

    def _run(self) -> None:
        try:
            resync_online_hosts()
        except Exception:  # each host's own reconcile heals the gap, only later
            log.exception("Could not ask the hosts for a full inventory at start")
        try:
            refresh_enrolled_users()
        except Exception:  # the rules they have stay until then; rotation gives the new ones too
            log.exception("Could not give the hosts' broker users today's rules")
        jobs = [(every or settings.BERTH_LIVENESS_CHECK_EVERY, run) for run, every in JOBS]
        due = [0.0] * len(jobs)
        while not self._stop.wait(settings.BERTH_LIVENESS_CHECK_EVERY):
            hears = self.hearing()
            if hears and self.consuming():
                end_this_worker()
                return
            for index, (every, job) in enumerate(jobs):
                if time.monotonic() < due[index] or (job in JUDGE_SILENCE and not hears):
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
