"""The one door for host workers' reports: check the envelope, then hand each kind to its app."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from portal.hosts.reports import InvalidReport, Outcome, apply_presence_report
from portal.ingest.inventory import apply_inventory_report
from portal.inventory.batch import InvalidInventory, InventoryBatch, parse_inventory
from portal.operations.reports import apply_operation_report

__all__ = ["InvalidReport", "Outcome", "apply_host_report"]

REPORT_KINDS = {"hello", "heartbeat", "goodbye", "refused", "inventory", "operation"}
NUMBER_FIELDS = ("cpus", "memory", "containers", "containers_running", "images")
# What workers.protocol.host_slug makes (it may end in a dash where it cut a long name at 60).
HOST_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


def _validate(report: Any) -> dict:
    if not isinstance(report, dict):
        raise InvalidReport(f"report is a {type(report).__name__}, not an object")
    missing = [k for k in ("kind", "host", "name", "instance", "seq") if not report.get(k)]
    if missing:
        raise InvalidReport(f"report lacks {', '.join(missing)}")
    if report["kind"] not in REPORT_KINDS:
        raise InvalidReport(f"unknown report kind {report['kind']!r}")
    if not isinstance(report["seq"], int):
        raise InvalidReport("report seq is not an integer")
    # A wrongly shaped part would otherwise fail half-way (AttributeError, or a bad value at save)
    # or create a host under a name no worker queue can have.
    if any(not isinstance(report[k], str) for k in ("host", "name", "instance")):
        raise InvalidReport("report host, name and instance must be text")
    if not HOST_SLUG_RE.fullmatch(report["host"]):
        raise InvalidReport(f"report host {report['host']!r} is not a host slug")
    for part in ("worker", "engine"):
        if not isinstance(report.get(part) or {}, dict):
            raise InvalidReport(f"report {part} is not an object")
    info = (report.get("engine") or {}).get("info") or {}
    if not isinstance(info, dict):
        raise InvalidReport("report engine info is not an object")
    if any(info.get(k) is not None and not isinstance(info[k], int) for k in NUMBER_FIELDS):
        raise InvalidReport("report engine info has a count that is not an integer")
    return report


def _inventory_of(report: dict) -> InventoryBatch | None:
    if report["kind"] != "inventory":
        return None
    try:
        return parse_inventory(report.get("inventory"), report["seq"])
    except InvalidInventory as exc:
        raise InvalidReport(f"report inventory: {exc}") from None


def apply_host_report(report: Any, now=None) -> Outcome:
    """Apply one report from a host worker; InvalidReport if it is not shaped like one."""
    report = _validate(report)
    now = now or timezone.now()
    if report["kind"] == "operation":
        return apply_operation_report(report, now)
    batch = _inventory_of(report)
    if batch is not None:
        return apply_inventory_report(report, batch, now)
    return apply_presence_report(report, now)
