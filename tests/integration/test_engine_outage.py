"""A host worker whose engine it cannot reach while the engine goes on running (its socket gone
and every connection dropped: tests/support/socket_proxy.py) keeps heartbeating, says the engine is
unreachable, and recovers on its own, with the inventory exact again: what changed while it could
not see the engine, of which no event will ever tell it, is listed.

A real dockerd restart, which cannot be changed while it is down, is test_dockerd_restart.py."""

import pytest

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.operations import call, container_named
from tests.support.processes import wait_until
from tests.support.socket_proxy import UnixSocketProxy

pytestmark = pytest.mark.integration


def test_given_a_running_host_when_its_engine_goes_away_and_comes_back_then_it_recovers(stack, host_name, tmp_path):
    proxy = UnixSocketProxy(tmp_path / "docker.sock")
    proxy.start()
    worker = stack.host_worker(host_name, docker_host=f"unix://{proxy.path}")
    host = stack.wait_for_host(host_name, "online", timeout=15, engine_reachable=True)
    kept, removed, added = (f"{host_name}-{suffix}" for suffix in ("kept", "removed", "added"))
    for name in (kept, removed):
        docker("create", "--label", TEST_LABEL, "--name", name, IMAGE, "true")
    container_named(stack, host["id"], removed)

    proxy.stop()

    host = stack.wait_for_host(host_name, "online", timeout=15, engine_reachable=False)
    assert proxy.path in host["engine_error"]
    assert worker.alive()
    # Changed while Berth cannot see the engine.
    docker("rm", removed)
    docker("create", "--label", TEST_LABEL, "--name", added, IMAGE, "true")

    proxy.start()

    host = stack.wait_for_host(host_name, "online", timeout=15, engine_reachable=True)
    assert host["engine_error"] == ""

    def listed():
        rows = call(stack, "GET", "/api/v1/containers/", params={"host": host["id"], "q": host_name}).json()["results"]
        return {row["name"] for row in rows}

    wait_until(lambda: listed() == {kept, added}, 15, what="the inventory to match the engine")
    worker.stop()
    docker("rm", "-f", kept, added, check=False)
