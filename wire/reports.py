"""Reports from a host worker to the portal (the REPORT_TASK on the portal queue): one envelope
(who sends, in what order, about which engine) and, by kind, one part.

    hello, heartbeat, goodbye   the envelope with `engine` (EngineFacts)
    refused                     `reason`: why the worker was refused its host name
    inventory                   `inventory`: an InventoryBatch (wire.inventory)
    operation                   `operation`: an OperationReport

A worker builds a Report and sends `to_wire()`; the portal reads it with `parse_report`, which
refuses a report that is not shaped like one (InvalidReport, with a sentence for the log) before
anything is applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wire.inventory import InvalidInventory, InventoryBatch

__all__ = [
    "OPERATION_STATES",
    "REPORT_KINDS",
    "EngineFacts",
    "InvalidReport",
    "OperationReport",
    "Report",
    "WorkerFacts",
    "parse_report",
]

REPORT_KINDS = ("hello", "heartbeat", "goodbye", "refused", "inventory", "operation")
# An operation report says it runs, or how it ended.
OPERATION_STATES = ("running", "succeeded", "failed")
# The counts in the engine's facts (engine.info.EngineInfo).
NUMBER_FIELDS = ("cpus", "memory", "containers", "containers_running", "images")
# How full the host is (workers/usage.py), in bytes; a figure the worker cannot measure is left out.
USAGE_FIELDS = ("memory_available", "disk_total", "disk_used")
# What wire.names.host_slug makes (it may end in a dash where it cut a long name at 60).
HOST_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


class InvalidReport(ValueError):
    """A report that is not shaped like one; it is logged and dropped."""


@dataclass(frozen=True)
class WorkerFacts:
    """The process that sent the report."""

    machine: str = ""
    pid: int | None = None
    version: str = ""
    docker_host: str = ""
    # The host's Docker Compose v2 version, empty when it has none.
    compose_version: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "pid": self.pid,
            "version": self.version,
            "docker_host": self.docker_host,
            "compose_version": self.compose_version,
        }

    @classmethod
    def from_wire(cls, data: dict) -> WorkerFacts:
        """Lenient: these are shown, never trusted, so an odd value is kept as text."""
        pid = data.get("pid")
        return cls(
            machine=str(data.get("machine") or ""),
            pid=pid if isinstance(pid, int) else None,
            version=str(data.get("version") or ""),
            docker_host=str(data.get("docker_host") or ""),
            compose_version=str(data.get("compose_version") or ""),
        )


@dataclass(frozen=True)
class EngineFacts:
    """What the worker last learned about its engine; `info` is engine.info.EngineInfo.as_dict()."""

    reachable: bool
    error: str = ""
    info: dict | None = None
    usage: dict | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"reachable": self.reachable, "error": self.error, "info": self.info}
        if self.usage is not None:
            wire["usage"] = self.usage
        return wire

    @classmethod
    def from_wire(cls, data: dict) -> EngineFacts:
        info = data.get("info") or None
        if info is not None and not isinstance(info, dict):
            raise InvalidReport("report engine info is not an object")
        if info and any(info.get(k) is not None and not isinstance(info[k], int) for k in NUMBER_FIELDS):
            raise InvalidReport("report engine info has a count that is not an integer")
        usage = data.get("usage")
        if usage is not None:
            if not isinstance(usage, dict) or set(usage) - set(USAGE_FIELDS):
                raise InvalidReport(f"report engine usage knows only {', '.join(USAGE_FIELDS)}")
            if any(type(v) is not int or v < 0 for v in usage.values()):
                raise InvalidReport("report engine usage has a figure that is not a whole number of bytes")
        return cls(reachable=bool(data.get("reachable")), error=str(data.get("error") or ""), info=info, usage=usage)


@dataclass(frozen=True)
class OperationReport:
    """An operation runs (only `id` and `state`), or ended: its result or error, the progress
    it made and its log. Fields left None are not sent."""

    id: int
    state: str
    result: dict | None = None
    error: str | None = None
    error_code: str | None = None
    progress: dict | None = None
    log: list | None = None
    sent_events: int | None = None

    def to_wire(self) -> dict[str, Any]:
        fields = {
            "id": self.id,
            "state": self.state,
            "result": self.result,
            "error": self.error,
            "error_code": self.error_code,
            "progress": self.progress,
            "log": self.log,
            "sent_events": self.sent_events,
        }
        return {key: value for key, value in fields.items() if value is not None}

    @classmethod
    def from_wire(cls, part: Any) -> OperationReport:
        if not isinstance(part, dict) or not isinstance(part.get("id"), int):
            raise InvalidReport("operation report lacks the operation's id")
        if part.get("state") not in OPERATION_STATES:
            raise InvalidReport(f"operation report has an unknown state {part.get('state')!r}")
        for key, kind in (("result", dict), ("progress", dict), ("log", list)):
            if part.get(key) is not None and not isinstance(part[key], kind):
                raise InvalidReport(f"operation report {key} is not a {kind.__name__}")
        sent_events = part.get("sent_events")
        return cls(
            id=part["id"],
            state=part["state"],
            result=part.get("result"),
            error=None if part.get("error") is None else str(part["error"]),
            error_code=None if part.get("error_code") is None else str(part["error_code"]),
            progress=part.get("progress"),
            log=part.get("log"),
            sent_events=sent_events if isinstance(sent_events, int) else None,
        )


@dataclass(frozen=True)
class Report:
    """One report. `seq` numbers the worker's reports (and its observations) from 1, so the
    portal applies them in order and ignores stale ones; `sent_at` is the host's clock, for display."""

    kind: str
    host: str
    name: str
    instance: str
    seq: int
    sent_at: str = ""
    worker: WorkerFacts = WorkerFacts()
    engine: EngineFacts | None = None
    reason: str | None = None
    inventory: InventoryBatch | None = None
    operation: OperationReport | None = None

    def to_wire(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "kind": self.kind,
            "host": self.host,
            "name": self.name,
            "instance": self.instance,
            "seq": self.seq,
            "sent_at": self.sent_at,
            "worker": self.worker.to_wire(),
        }
        if self.engine is not None:
            report["engine"] = self.engine.to_wire()
        if self.reason is not None:
            report["reason"] = self.reason
        if self.inventory is not None:
            report["inventory"] = self.inventory.to_wire()
        if self.operation is not None:
            report["operation"] = self.operation.to_wire()
        return report


def parse_report(report: Any) -> Report:
    """The report, checked: a wrongly shaped part would otherwise fail half-way (AttributeError,
    or a bad value at save) or create a host under a name no worker queue can have."""
    if not isinstance(report, dict):
        raise InvalidReport(f"report is a {type(report).__name__}, not an object")
    missing = [k for k in ("kind", "host", "name", "instance", "seq") if not report.get(k)]
    if missing:
        raise InvalidReport(f"report lacks {', '.join(missing)}")
    if report["kind"] not in REPORT_KINDS:
        raise InvalidReport(f"unknown report kind {report['kind']!r}")
    if not isinstance(report["seq"], int):
        raise InvalidReport("report seq is not an integer")
    if any(not isinstance(report[k], str) for k in ("host", "name", "instance")):
        raise InvalidReport("report host, name and instance must be text")
    if not HOST_SLUG_RE.fullmatch(report["host"]):
        raise InvalidReport(f"report host {report['host']!r} is not a host slug")
    for part in ("worker", "engine"):
        if not isinstance(report.get(part) or {}, dict):
            raise InvalidReport(f"report {part} is not an object")
    engine = report.get("engine") or {}
    parsed_engine = EngineFacts.from_wire(engine)
    kind = report["kind"]
    inventory = operation = None
    if kind == "inventory":
        try:
            inventory = InventoryBatch.from_wire(report.get("inventory"), report["seq"])
        except InvalidInventory as exc:
            raise InvalidReport(f"report inventory: {exc}") from None
    elif kind == "operation":
        operation = OperationReport.from_wire(report.get("operation"))
    reason = report.get("reason")
    return Report(
        kind=kind,
        host=report["host"],
        name=report["name"],
        instance=report["instance"],
        seq=report["seq"],
        sent_at=str(report.get("sent_at") or ""),
        worker=WorkerFacts.from_wire(report.get("worker") or {}),
        engine=parsed_engine if report.get("engine") else None,
        reason=None if reason is None else str(reason),
        inventory=inventory,
        operation=operation,
    )
