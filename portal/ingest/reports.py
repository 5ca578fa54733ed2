"""The one door for host workers' reports: check the envelope, then hand each kind to its app."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from portal.hosts.reports import Outcome, apply_presence_report
from portal.ingest.inventory import apply_inventory_report
from portal.operations.reports import apply_operation_report
from wire.reports import InvalidReport, Report, parse_report

__all__ = ["InvalidReport", "Outcome", "apply_host_report"]


def apply_host_report(report: Any, now=None, parsed: Report | None = None) -> Outcome:
    """Apply one report from a host worker; InvalidReport if it is not shaped like one. `parsed`:
    its parse_report, when the caller has it already."""
    # InvalidReport, with a sentence, when it is not one.
    batch = (parsed or parse_report(report)).inventory
    now = now or timezone.now()
    if report["kind"] == "operation":
        return apply_operation_report(report, now)
    if batch is not None:
        return apply_inventory_report(report, batch, now)
    return apply_presence_report(report, now)
