"""The operation task on the host's queue: a thin shell over OperationRunner."""

from celery import Celery

from wire.tasks import OperationTask
from workers.operations.runner import OperationRunner

__all__ = ["register_operations"]


def register_operations(app: Celery, runner: OperationRunner) -> None:
    @app.task(name=OperationTask.name, ignore_result=True)
    def operation(operation, auth_config=None):
        runner.run(OperationTask.from_wire(operation, auth_config))
