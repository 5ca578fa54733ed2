"""Issue 12, items 1 and 2, over the real stack: a developer may not join the namespaces of a
container that runs with the host's network, nor mount a volume whose driver binds a host path;
an operator may not get inside a container with the Docker socket mounted or the host's PID
namespace. An admin of the host may do each. (Privileged containers cannot start in this sandbox:
DESIGN.md says so, hence the socket and host PID.)"""

from __future__ import annotations

import pytest
import requests

from tests.conftest import unique_name
from tests.integration.test_terminal import close_of, run_container, terminal, url
from tests.support.aio import run_async
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.operations import LABELS, call, finished
from tests.support.roles import user_with_role

pytestmark = pytest.mark.integration


def token_of(stack, role: str, host: int) -> str:
    return user_with_role(stack, role, host)[1]


def run_as(stack, token: str, host: int, **spec) -> requests.Response:
    return requests.post(
        stack.base_url + "/api/v1/containers/",
        json={"host": host, "labels": LABELS, **spec},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )


@pytest.fixture(scope="module")
def host_network_container(stack):
    name = unique_name("hostnet")
    docker("run", "-d", "--network", "host", "--label", TEST_LABEL, "--name", name, IMAGE, "sleep", "3600")
    return name


def test_a_developers_join_of_a_host_network_container_is_refused_and_an_admins_runs(
    stack, local_host, host_network_container
):
    host = local_host["id"]
    developer = token_of(stack, "developer", host)
    join = {"image": IMAGE, "command": "sleep 300", "network": f"container:{host_network_container}"}

    refused = run_as(stack, developer, host, name=unique_name("join-dev"), **join)
    name = unique_name("join-admin")
    answer = call(stack, "POST", "/api/v1/containers/", json={"host": host, "labels": LABELS, "name": name, **join})

    assert refused.status_code == 403, refused.text
    assert f"network namespace of container {host_network_container}" in refused.json()["detail"]
    assert answer.status_code == 202, answer.text
    assert finished(stack, answer.json())["state"] == "succeeded"

    # It is in the host's network namespace (the same one the host-network container is in), so it
    # sees the engine's bridge. The namespaces are compared, not the interface lists: other tests'
    # containers add and remove veth pairs meanwhile.
    def namespace(container: str) -> str:
        return docker("exec", container, "readlink", "/proc/self/ns/net").strip()

    links = docker("exec", name, "ip", "-o", "link")
    assert namespace(name) == namespace(host_network_container) and ": docker0:" in links


@pytest.fixture(scope="module")
def bind_volume(stack, tmp_path_factory):
    name = unique_name("bindvol")
    device = tmp_path_factory.mktemp("bound")
    docker("volume", "create", "--label", TEST_LABEL, "--driver", "local", "--opt", "type=none", "--opt", "o=bind",
           "--opt", f"device={device}", name)  # fmt: skip
    yield name, str(device)
    docker("volume", "rm", "-f", name, check=False)


def test_a_developers_run_with_a_bind_driver_volume_fails_on_the_host_and_an_admins_runs(
    stack, local_host, bind_volume
):
    host = local_host["id"]
    volume, device = bind_volume
    developer = token_of(stack, "developer", host)
    spec = {"image": IMAGE, "command": "sleep 300", "volumes": [f"{volume}:/data"]}
    dev_name, admin_name = unique_name("vol-dev"), unique_name("vol-admin")

    mine = run_as(stack, developer, host, name=dev_name, **spec)
    theirs = call(
        stack, "POST", "/api/v1/containers/", json={"host": host, "labels": LABELS, "name": admin_name, **spec}
    )

    assert mine.status_code == 202, mine.text
    failed = finished(stack, mine.json())
    assert failed["state"] == "failed", failed
    assert failed["error_code"] == "dangerous_option", failed
    assert f"volume {volume} (binds host path {device})" in failed["error"]
    assert docker("ps", "-aq", "--filter", f"name=^{dev_name}$") == ""
    assert finished(stack, theirs.json())["state"] == "succeeded"


DANGEROUS = {
    "docker socket": (
        ("-v", "/var/run/docker.sock:/var/run/docker.sock"),
        "bind mount of host path /var/run/docker.sock",
    ),
    "host pid": (("--pid", "host"), "host PID namespace"),
}


@pytest.fixture(scope="module")
def danger_host(stack):
    """One host worker on the local engine for the console tests."""
    name = unique_name("dangers")
    worker = stack.host_worker(name)
    yield stack.wait_for_host(name, "online", timeout=20)
    worker.stop()
    remove_test_objects()


@pytest.fixture(scope="module")
def dangerous_containers(stack, danger_host):
    return {
        danger: run_container(stack, danger_host, "run", "-d", *options) for danger, (options, _) in DANGEROUS.items()
    }


@pytest.mark.parametrize("kind", ["terminal", "attach"])
@pytest.mark.parametrize("danger", list(DANGEROUS))
def test_an_operators_console_and_attach_of_a_dangerous_container_close_4403_naming_it(
    stack, danger_host, dangerous_containers, kind, danger
):
    operator = token_of(stack, "operator", danger_host["id"])
    container = dangerous_containers[danger]

    close = run_async(close_of(stack, url(stack, container["id"], kind, token=operator)))

    assert close.code == 4403
    assert DANGEROUS[danger][1] in close.reason


@pytest.mark.parametrize("kind", ["terminal", "attach"])
@pytest.mark.parametrize("danger", list(DANGEROUS))
def test_an_admins_console_and_attach_of_a_dangerous_container_open(stack, dangerous_containers, kind, danger):
    async def session():
        async with terminal(stack, dangerous_containers[danger]["id"], kind) as term:
            return await term.ready()

    assert isinstance(run_async(session())["session"], int)
