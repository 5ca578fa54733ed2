"""Registry credentials ride inside the one task that needs them, sealed to its host: the pull
works with them, and neither the host worker's log (Celery's "received" lines included) nor the
portal's holds them. (tests/integration/test_host_trust.py watches the broker itself.)"""

import uuid

import pytest
import requests

from tests.support.docker_cli import docker
from tests.support.operations import finished
from tests.support.registry import AUTH, REGISTRY, build_layered_image, push_with_cli

pytestmark = pytest.mark.integration


def test_credentials_reach_the_engine_but_no_log(stack, local_host, host_name):
    reference = f"{REGISTRY}/berth-test/secret-{uuid.uuid4().hex[:6]}:1"
    build_layered_image(reference, layers=1, size_kb=8)
    push_with_cli(reference)
    docker("rmi", reference)
    registry = stack.post(
        "/api/v1/registries/",
        {
            "name": f"secret-{uuid.uuid4().hex[:6]}",
            "url": f"http://{REGISTRY}",
            "username": AUTH["username"],
            "password": AUTH["password"],
            "check_connection": False,
        },
    ).json()

    try:
        pull = stack.post(
            "/api/v1/images/pull/", {"host": local_host["id"], "reference": reference, "registry": registry["id"]}
        )
        pulled = finished(stack, pull.json())
    finally:  # other tests pull from this registry without credentials
        requests.delete(f"{stack.base_url}/api/v1/registries/{registry['id']}/", headers=stack.headers(), timeout=10)

    assert pulled["state"] == "succeeded"
    assert docker("images", "-q", reference, check=False)
    worker_log = next(p for p in stack.processes if p.name == f"host-{host_name}").log()
    assert "received" in worker_log.lower()  # Celery did log the task …
    assert AUTH["password"] not in worker_log  # … without its arguments
    for process in stack.processes:
        assert AUTH["password"] not in process.log(), process.name
    docker("rmi", "-f", reference, check=False)
