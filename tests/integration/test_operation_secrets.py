"""Registry credentials ride inside the one task that needs them: the pull works with them, and
neither the host worker's log (Celery's "received" lines included) nor the portal's holds them."""

import uuid

import pytest

from portal.operations.dispatch import send_operation_task
from tests.support.docker_cli import docker
from tests.support.processes import wait_until
from tests.support.registry import AUTH, REGISTRY, build_layered_image, push_with_cli
from wire.names import host_queue
from workers.app import make_app

pytestmark = pytest.mark.integration


def test_credentials_reach_the_engine_but_no_log(stack, local_host, host_name):
    reference = f"{REGISTRY}/berth-test/secret-{uuid.uuid4().hex[:6]}:1"
    build_layered_image(reference, layers=1, size_kb=8)
    push_with_cli(reference)
    docker("rmi", reference)
    app = make_app(stack.redis_url, host_queue(host_name))

    send_operation_task(
        host_name, {"id": 987654321, "kind": "image.pull", "params": {"reference": reference}}, AUTH, app=app
    )

    wait_until(lambda: docker("images", "-q", reference, check=False), 60, interval=0.2, what="the pulled image")
    worker_log = next(p for p in stack.processes if p.name == f"host-{host_name}").log()
    assert "received" in worker_log.lower()  # Celery did log the task …
    assert AUTH["password"] not in worker_log  # … without its arguments
    for process in stack.processes:
        assert AUTH["password"] not in process.log(), process.name
    docker("rmi", "-f", reference, check=False)
