"""No operation stays running forever: one whose host was lost, or whose worker was replaced
while it ran, ends failed with that reason. Runs with the host liveness watch every second."""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.hosts.broker import _redis
from portal.hosts.choices import HostStatus
from portal.operations.choices import ACTIVE_STATES, OperationState
from portal.operations.dispatch import TASK_EXPIRES
from portal.operations.events import publish_operation
from portal.operations.models import Operation
from wire.names import operation_abandoned_key

__all__ = ["HOST_LOST", "fail_lost_operations"]

log = logging.getLogger(__name__)

HOST_LOST = "Host lost: its worker stopped answering before this operation ended."
WORKER_REPLACED = "Host lost: its worker restarted while this operation ran."
NEVER_STARTED = "The host never started this operation: its task expired in the queue."
ABANDONED_TTL = 7 * 24 * 3600


def fail_lost_operations(now=None) -> list[Operation]:
    now = now or timezone.now()
    failed = []
    # The worker drops a task older than TASK_EXPIRES: its operation would wait forever.
    expired = Q(state=OperationState.PENDING, created_at__lt=now - timedelta(seconds=TASK_EXPIRES + 60))
    with transaction.atomic():
        lost = (
            Operation.objects.select_for_update()
            .filter(state__in=ACTIVE_STATES)
            .filter(
                expired
                | ~Q(host__status=HostStatus.ONLINE)
                | Q(state=OperationState.RUNNING, host__worker_instance__gt="")
                & ~Q(worker_instance="")
                & ~Q(worker_instance=F("host__worker_instance"))
            )
        )
        for operation in lost.select_related("host"):
            online = operation.host.status == HostStatus.ONLINE
            if online and operation.state == OperationState.PENDING:
                operation.error, operation.error_code = NEVER_STARTED, "expired"
            else:
                operation.error, operation.error_code = (WORKER_REPLACED if online else HOST_LOST), "host_lost"
            operation.state = OperationState.FAILED
            operation.finished_at = now
            operation.save(update_fields=["state", "error", "error_code", "finished_at", "updated_at"])
            failed.append(operation)
    for operation in failed:
        log.warning(
            "Operation %s (%s on %s) failed: %s", operation.pk, operation.kind, operation.host.slug, operation.error
        )
        try:  # a worker that comes back must not run it after all
            _redis().set(operation_abandoned_key(operation.host.slug, operation.pk), 1, ex=ABANDONED_TTL)
        except redis.RedisError as exc:
            log.warning("Could not mark operation %s abandoned: %s", operation.pk, exc)
        publish_operation(operation)
    return failed
