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
from wire.keys import HostKeys
from wire.names import PORTAL_QUEUE, REPORT_TASK
from wire.reports import EngineFacts, Report, WorkerFacts
from wire.signing import sign_report
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
    # How full the machine is (workers/usage.py), measured with each full info.
    usage: dict | None = None

    @property
    def engine_id(self) -> str | None:
        return self.info.engine_id if self.info else None

    def facts(self) -> EngineFacts:
        return EngineFacts(
            reachable=self.reachable,
            error=self.error,
            info=self.info.as_dict() if self.info else None,
            usage=self.usage,
        )


class Reporter:
    """Numbers each report so the portal applies them in order and ignores stale ones."""

    def __init__(
        self,
        app: Celery,
        identity: HostIdentity,
        docker_host: str,
        keys: HostKeys | None = None,
        compose_version: str = "",
    ):
        self.compose_version = compose_version
        self.app = app
        # Signs every report (wire.signing); the portal drops what its host's key did not sign.
        self.keys = keys
        self.identity = identity
        self.docker_host = docker_host
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def reserve_seq(self) -> int:
        """A number in the same sequence as reports: marks when something was observed."""
        with self._lock:
            return next(self._seq)

    def build(self, kind: str, state: EngineState | None = None, **parts: Any) -> dict[str, Any]:
        """The report's wire form; `parts` are its kind's (reason=…, inventory=…, operation=…), already on the wire."""
        report = Report(
            kind=kind,
            host=self.identity.slug,
            name=self.identity.name,
            instance=self.identity.instance,
            seq=self.reserve_seq(),
            sent_at=datetime.now(UTC).isoformat(),
            worker=WorkerFacts(
                machine=self.identity.machine,
                pid=self.identity.pid,
                version=WORKER_VERSION,
                docker_host=self.docker_host,
                compose_version=self.compose_version,
            ),
            engine=None if state is None else state.facts(),
        ).to_wire()
        report.update(parts)
        return report

    def send(self, kind: str, state: EngineState | None = None, **parts: Any) -> bool:
        report = self.build(kind, state, **parts)
        try:
            kwargs = {"report": report}
            if self.keys is not None:
                kwargs["signature"] = sign_report(self.keys, report)
            # declare=[]: declaring the portal's queue would read its length and write its binding,
            # which a host's broker user may not (portal/hosts/broker_acl.py); the portal declares it.
            self.app.send_task(REPORT_TASK, kwargs=kwargs, queue=PORTAL_QUEUE, declare=[])
        except Exception as exc:  # the broker is down: the next heartbeat tries again
            log.warning("Could not send %s report to the portal: %s", kind, exc)
            return False
        return True
