"""Reports from a host worker to the portal, sent as tasks on the `portal` queue."""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from celery import Celery

from engine import EngineInfo
from wire.names import PORTAL_QUEUE, REPORT_TASK
from workers.identity import HostIdentity

__all__ = ["EngineState", "Reporter"]

log = logging.getLogger(__name__)

WORKER_VERSION = "0.1.0"


@dataclass(frozen=True)
class EngineState:
    """What the worker last learned about its engine."""

    reachable: bool
    info: EngineInfo | None = None
    error: str = ""

    @property
    def engine_id(self) -> str | None:
        return self.info.engine_id if self.info else None


class Reporter:
    """Numbers each report so the portal applies them in order and ignores stale ones."""

    def __init__(self, app: Celery, identity: HostIdentity, docker_host: str):
        self.app = app
        self.identity = identity
        self.docker_host = docker_host
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def reserve_seq(self) -> int:
        """A number in the same sequence as reports: marks when something was observed."""
        with self._lock:
            return next(self._seq)

    def build(self, kind: str, state: EngineState | None = None, **extra: Any) -> dict[str, Any]:
        seq = self.reserve_seq()
        report = {
            "kind": kind,
            "host": self.identity.slug,
            "name": self.identity.name,
            "instance": self.identity.instance,
            "seq": seq,
            "sent_at": datetime.now(UTC).isoformat(),  # the host's clock: for display only
            "worker": {
                "machine": self.identity.machine,
                "pid": self.identity.pid,
                "version": WORKER_VERSION,
                "docker_host": self.docker_host,
            },
        }
        if state is not None:
            report["engine"] = {
                "reachable": state.reachable,
                "error": state.error,
                "info": state.info.as_dict() if state.info else None,
            }
        report.update(extra)
        return report

    def send(self, kind: str, state: EngineState | None = None, **extra: Any) -> bool:
        report = self.build(kind, state, **extra)
        try:
            self.app.send_task(REPORT_TASK, kwargs={"report": report}, queue=PORTAL_QUEUE)
        except Exception as exc:  # the broker is down: the next heartbeat tries again
            log.warning("Could not send %s report to the portal: %s", kind, exc)
            return False
        return True
