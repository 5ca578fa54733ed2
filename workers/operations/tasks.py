"""The operation task on the host's queue: a thin shell over OperationRunner."""

from celery import Celery

from workers.operations.runner import OperationRunner
from workers.protocol import OPERATION_TASK

__all__ = ["register_operations"]


def register_operations(app: Celery, runner: OperationRunner) -> None:
    @app.task(name=OPERATION_TASK, ignore_result=True)
    def operation(operation, auth_config=None):
        runner.run(operation, auth_config)
