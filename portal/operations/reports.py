"""Applying a host worker's operation report (running, then succeeded or failed) to the record."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from portal.hosts.reports import Outcome
from portal.operations.choices import OperationState
from portal.operations.events import publish_operation
from portal.operations.models import Operation
from portal.operations.resources import finish
from wire.reports import OperationReport

__all__ = ["apply_operation_report"]

log = logging.getLogger(__name__)

FINAL = {OperationState.SUCCEEDED, OperationState.FAILED}
LOG_KEPT_CHARS = 200_000


def _part(report: dict) -> dict[str, Any]:
    return OperationReport.from_wire(report.get("operation")).to_wire()


def apply_operation_report(report: dict, now) -> Outcome:
    part = _part(report)
    with transaction.atomic():
        operation = Operation.objects.select_for_update().filter(pk=part["id"], host__slug=report["host"]).first()
        if operation is None:
            log.warning("Host '%s' reported on operation %s, which is not one of its own", report["host"], part["id"])
            return Outcome.REFUSED
        if operation.state in FINAL:
            # Given up on already (host lost) or reported twice: the first end stands.
            log.info(
                "Operation %s already ended %s; ignoring a %s report", operation.pk, operation.state, part["state"]
            )
            return Outcome.STALE
        operation.worker_instance = report["instance"]
        if part["state"] == OperationState.RUNNING:
            operation.state = OperationState.RUNNING
            operation.started_at = operation.started_at or now
        else:
            operation.state = part["state"]
            operation.started_at = operation.started_at or now
            operation.finished_at = now
            operation.result = part.get("result") or {}
            operation.error = str(part.get("error") or "")[:5000]
            operation.error_code = str(part.get("error_code") or "")[:64]
            operation.progress = part.get("progress") or {}
            operation.log = "\n".join(str(line) for line in part.get("log") or [])[-LOG_KEPT_CHARS:]
            finish(operation)
        operation.save()
        transaction.on_commit(lambda: publish_operation(operation))
    return Outcome.APPLIED
