"""Runs operations: report running, do it, report the end.

Most run in the Celery thread pool, on the thread that received them. Lifecycle actions
(LIFECYCLE_KINDS) run in a lane of their own (workers/operations/lanes.py): a stop or restart may
wait minutes for its container, and enough of them would otherwise hold every thread of the pool.

The end is always reported, whatever happened (an unexpected error included), and retried
while the broker is away, so no operation is left "running" because a report was lost; one
still waiting in the lane when the worker stops is reported failed.
"""

from __future__ import annotations

import logging
import time

import redis

from engine import Engine, EngineUnavailable
from engine.errors import OperationFailed
from wire.names import operation_abandoned_key
from wire.reports import OperationReport
from wire.stream_signing import StreamKey
from wire.tasks import OperationTask
from workers.operations.exports import register_export_sender
from workers.operations.feed import ProgressFeed
from workers.operations.kinds import KINDS, Context
from workers.operations.lanes import Lane, LaneFull
from workers.reports import Reporter
from workers.streams.loop import StreamLoop

__all__ = ["LIFECYCLE_KINDS", "OperationRunner"]

log = logging.getLogger(__name__)

ENGINE_TIMEOUT = 600.0  # a build step may print nothing for minutes
FINAL_REPORT_TRIES = 10
# The actions of `container.operate`: a stop or restart waits its timeout; they share one lane.
LIFECYCLE_KINDS = frozenset(f"container.{a}" for a in ("start", "stop", "restart", "kill", "pause", "unpause"))
WORKER_STOPPED = "The host worker stopped before this operation's turn came: nothing was done; ask again."


class OperationRunner:
    def __init__(
        self,
        docker_host: str,
        reporter: Reporter,
        streams: StreamLoop,
        client: redis.Redis,
        slug: str,
        progress_interval: float = 0.1,
        lifecycle_threads: int = 4,
    ):
        self.docker_host = docker_host
        self.reporter = reporter
        self.streams = streams
        self.client = client
        self.slug = slug  # the host's: its operations' Redis keys are under it (wire.names)
        register_export_sender(streams, docker_host, client)
        self.progress_interval = progress_interval
        # A service of the worker (workers/services.py): stopped, it gives up what still waits.
        self.lifecycle = Lane("lifecycle", lifecycle_threads)

    def _report(self, report: OperationReport, tries: int = 1) -> None:
        for attempt in range(tries):
            if self.reporter.send("operation", operation=report.to_wire()):
                return
            time.sleep(min(5.0, 0.5 * 2**attempt))
        log.error("Could not report the end of operation %s to the portal", report.id)

    def refuse(self, task: OperationTask, error: str) -> None:
        """Fail the operation without running anything."""
        self._report(
            OperationReport(task.operation.id, "failed", error=error, error_code="refused"), FINAL_REPORT_TRIES
        )

    def run(self, task: OperationTask, progress: StreamKey | None = None) -> None:
        """From the Celery thread: a lifecycle action goes to its lane, anything else runs here.
        `progress`: the key its progress is MACed with (none: no live progress, the end report only)."""
        if task.operation.kind not in LIFECYCLE_KINDS:
            self.run_now(task, progress)
            return
        operation_id = task.operation.id
        try:
            ahead = self.lifecycle.submit(
                lambda: self.run_now(task, progress),
                on_cancel=lambda: self._report(
                    OperationReport(operation_id, "failed", error=WORKER_STOPPED, error_code="worker_stopped"),
                    tries=FINAL_REPORT_TRIES,
                ),
            )
        except LaneFull as exc:
            self._report(
                OperationReport(operation_id, "failed", error=f"{exc} Try again later.", error_code="host_busy"),
                tries=FINAL_REPORT_TRIES,
            )
            return
        if ahead:
            log.info("Operation %s (%s) waits behind %s lifecycle actions", operation_id, task.operation.kind, ahead)

    def run_now(self, task: OperationTask, progress: StreamKey | None = None) -> None:
        operation_id, kind = task.operation.id, task.operation.kind
        if self.client.exists(operation_abandoned_key(self.slug, operation_id)):
            log.info("Operation %s was given up by the portal while queued; not running it", operation_id)
            return
        run = KINDS.get(kind)
        started = time.monotonic()
        self._report(OperationReport(operation_id, "running"))
        feed = ProgressFeed(
            operation_id,
            self.slug,
            self.streams.group_send,
            lambda key, text, ttl: self.client.set(key, text, ex=ttl),
            interval=self.progress_interval,
            key=progress,
        )
        engine = Engine(self.docker_host, timeout=ENGINE_TIMEOUT)
        state, result, error, code = "failed", {}, "", ""
        try:
            if run is None:
                raise OperationFailed(f"This host worker does not know operations of kind {kind!r}.", "unknown_kind")
            result = run(engine, task.operation.params, Context(feed, self.client, task.auth_config)) or {}
            state = "succeeded"
        except OperationFailed as exc:
            error, code = exc.message, exc.code
        except EngineUnavailable as exc:
            error, code = str(exc), "engine_unavailable"
        except Exception as exc:
            log.exception("Operation %s (%s) failed unexpectedly", operation_id, kind)
            error, code = f"Unexpected failure on the host: {type(exc).__name__}: {exc}", "unexpected"
        finally:
            engine.close()
            summary = feed.close()
        took = (time.monotonic() - started) * 1000
        log.info("Operation %s (%s) %s in %.0f ms%s", operation_id, kind, state, took, f": {error}" if error else "")
        end = OperationReport(
            operation_id,
            state,
            result=result,
            error=error,
            error_code=code,
            progress={k: summary[k] for k in ("layers", "status", "step")},
            log=summary["log"],
            sent_events=feed.sent,
        )
        self._report(end, tries=FINAL_REPORT_TRIES)
