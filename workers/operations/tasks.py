"""The operation task on the host's queue: a thin shell over OperationRunner."""

from celery import Celery

from wire.names import CONTAINER_DIFF_REQUEST, OPERATION_TASK
from workers.operations.runner import OperationRunner
from workers.streams.loop import StreamLoop

__all__ = ["register_operations"]


def register_operations(app: Celery, runner: OperationRunner, streams: StreamLoop) -> None:
    @app.task(name=OPERATION_TASK, ignore_result=True)
    def operation(operation, auth_config=None):
        runner.run(operation, auth_config)

    streams.register(CONTAINER_DIFF_REQUEST, runner.diff)
