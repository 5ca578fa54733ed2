"""Starting an operation: check the host answers, record it (pending) and its audit event,
and hand it to the host's queue once the record is committed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from portal.audit.record import record
from portal.celery import app as celery_app
from portal.hosts.host_tasks import send_host_task
from portal.hosts.models import Host
from portal.operations.events import publish_operation
from portal.operations.models import Operation
from portal.operations.progress import progress_key_for
from wire.sealing import seal
from wire.tasks import OperationRequest, OperationTask

__all__ = ["send_operation_task", "send_recorded", "submit"]

log = logging.getLogger(__name__)


class HostNotEnrolled(Exception):
    """Credentials for a host that has no key to seal them to."""


# A task not picked up within this long is dropped by the worker: its host was lost, and the
# liveness watch has failed the operation already.
TASK_EXPIRES = 3600


def send_operation_task(slug: str, operation: dict, auth_config: dict | None, app=None) -> None:
    """Put the operation on the host's queue, signed. Credentials and the progress key ride in the
    task and nowhere else, sealed to the host's key (the broker holds only ciphertext); the task's
    printable form (which Celery may log or show) says only whether there are any. A host with no
    key to seal to (never enrolled) gets no progress key: its progress could not be told from a
    forgery, and is not shown live."""
    if app is None:
        app = celery_app
    host_id, seal_key = Host.objects.filter(slug=slug).values_list("pk", "seal_key").first() or (None, "")
    sealed = key = None
    if auth_config:
        if not seal_key:
            raise HostNotEnrolled(f"host '{slug}' is not enrolled: there is no key to seal its credentials to")
        sealed = seal(seal_key, auth_config)
    if seal_key:
        key = progress_key_for(int(operation["id"]), host_id).sealed_to(seal_key)
    task = OperationTask(OperationRequest.from_wire(operation), sealed, key)
    send_host_task(
        app,
        slug,
        task.name,
        task.to_wire(),
        expires=TASK_EXPIRES,
        argsrepr="()",
        kwargsrepr=repr(task.shown()),
    )


def submit(
    request,
    host: Host,
    kind: str,
    params: dict[str, Any],
    *,
    target=None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    auth_config: dict | None = None,
    task_params: dict[str, Any] | None = None,
    hold: bool = False,
) -> Operation:
    """Record and send one operation. `params` is kept and shown; `task_params` (defaulting to
    `params`) is what the worker gets, e.g. with engine ids the record need not repeat. With
    `hold`, it is recorded (pending) and audited but not sent: the portal prepares its task
    first (a git stack's files are fetched by a portal worker), then calls send_recorded."""
    host.require_usable()
    user = request.user if request.user.is_authenticated else None
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target_id or str(getattr(target, "engine_id", target.pk))
        target_repr = target_repr or str(target)
    with transaction.atomic():
        operation = Operation.objects.create(
            host=host,
            user=user,
            # A principal that is no person (a git stack's webhook) says who it is.
            username=user.get_username() if user else getattr(request, "principal_name", ""),
            kind=kind,
            target_type=target_type,
            target_id=target_id,
            target_repr=target_repr[:512],
            params=params,
        )
        record(
            kind,
            request=request,
            target=operation,
            host=host,
            detail={"operation": operation.pk, "target": target_repr, **params},
        )
        message = {"id": operation.pk, "kind": kind, "params": task_params if task_params is not None else params}
        if not hold:
            transaction.on_commit(lambda: _send(operation, host.slug, message, auth_config))
    return operation


def send_recorded(operation: Operation, task_params: dict[str, Any]) -> None:
    """Send an operation recorded with `hold`, once the transaction that prepared it commits."""
    message = {"id": operation.pk, "kind": operation.kind, "params": task_params}
    slug = operation.host.slug
    transaction.on_commit(lambda: _send(operation, slug, message, None))


def _send(operation: Operation, slug: str, message: dict, auth_config: dict | None) -> None:
    try:
        send_operation_task(slug, message, auth_config)
    except Exception as exc:  # the broker is down: the operation fails now rather than never
        log.error("Could not send operation %s to host '%s': %s", operation.pk, slug, exc)
        Operation.objects.filter(pk=operation.pk).update(
            state="failed", error="Berth could not reach its broker to send this to the host.", error_code="broker"
        )
        operation.refresh_from_db()
    publish_operation(operation)
