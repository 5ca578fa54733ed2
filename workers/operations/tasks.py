"""The operation task on the host's queue: a thin shell over OperationRunner. Its registry
credentials and its progress key arrive sealed to this host's key and are opened only here, for
the one run."""

import logging

from celery import Celery

from wire.sealing import CannotUnseal, unseal
from wire.stream_signing import KEY_FIELD, open_stream_key
from wire.tasks import OperationTask
from workers.operations.runner import OperationRunner
from workers.trust import Trust, register_signed_task

__all__ = ["register_operations"]

log = logging.getLogger(__name__)


def register_operations(app: Celery, runner: OperationRunner, trust: Trust) -> None:
    @register_signed_task(app, trust, OperationTask.name)
    def operation(operation, auth_config=None, key=None):
        task = OperationTask.from_wire(operation, auth_config, key)
        progress = open_stream_key(trust.keys, {KEY_FIELD: key})
        if key is not None and progress is None:
            # Signed by the portal yet not sealed to this host: its progress would be refused.
            log.error("Operation %s: its progress key is not sealed to this host's key", task.operation.id)
        if auth_config is not None:
            try:
                auth = unseal(trust.keys, auth_config)
            except CannotUnseal as exc:
                log.error("Operation %s: its registry credentials cannot be opened (%s)", task.operation.id, exc)
                runner.refuse(task, "Its registry credentials were not sealed to this host's key; enroll it again.")
                return
            task = OperationTask(task.operation, auth, task.key)
        runner.run(task, progress)
