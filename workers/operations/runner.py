"""Runs operations in the Celery thread pool: report running, do it, report the end.

The end is always reported, whatever happened (an unexpected error included), and retried
while the broker is away, so no operation is left "running" because a report was lost.
"""

from __future__ import annotations

import logging
import time

import redis

from engine import Engine, EngineUnavailable
from engine.errors import OperationFailed
from wire.names import operation_abandoned_key
from wire.reports import OperationReport
from wire.tasks import OperationTask
from workers.operations.exports import register_export_sender
from workers.operations.feed import ProgressFeed
from workers.operations.kinds import KINDS, Context
from workers.reports import Reporter
from workers.streams.loop import StreamLoop

__all__ = ["OperationRunner"]

log = logging.getLogger(__name__)

ENGINE_TIMEOUT = 600.0  # a build step may print nothing for minutes
FINAL_REPORT_TRIES = 10


class OperationRunner:
    def __init__(
        self,
        docker_host: str,
        reporter: Reporter,
        streams: StreamLoop,
        client: redis.Redis,
        progress_interval: float = 0.1,
    ):
        self.docker_host = docker_host
        self.reporter = reporter
        self.streams = streams
        self.client = client
        register_export_sender(streams, docker_host, client)
        self.progress_interval = progress_interval

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

    def run(self, task: OperationTask) -> None:
        operation_id, kind = task.operation.id, task.operation.kind
        if self.client.exists(operation_abandoned_key(operation_id)):
            log.info("Operation %s was given up by the portal while queued; not running it", operation_id)
            return
        run = KINDS.get(kind)
        started = time.monotonic()
        self._report(OperationReport(operation_id, "running"))
        feed = ProgressFeed(
            operation_id,
            self.streams.group_send,
            lambda key, text, ttl: self.client.set(key, text, ex=ttl),
            interval=self.progress_interval,
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
