"""Issue 14 over the real stack and both engines: networks and volumes made with the CLI appear in
the mirror (with the containers that use them) and go; a network is created, a running container
connected and disconnected and the network removed through the API; a volume binding a host path
is refused to a developer and made for an admin; a volume in use is not removed unless forced.

One host worker per engine serves the whole module, to keep the added CI time small."""

from __future__ import annotations

import time

import pytest
import requests

from tests.conftest import unique_name
from tests.integration.test_dangerous_containers import token_of
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, free_subnet, remove_test_objects
from tests.support.operations import LABELS, call, container_named, finished
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engines(stack, docker_host_2):
    """{engine url: host id}, one worker on each engine for the module."""
    hosts, workers = {}, []
    for url in ("unix:///var/run/docker.sock", docker_host_2):
        name = unique_name("netvol")
        workers.append(stack.host_worker(name, docker_host=url))
        hosts[url] = stack.wait_for_host(name, "online", timeout=20)["id"]
    yield hosts
    for worker in workers:
        worker.stop()
    for url in hosts:
        remove_test_objects(url)


def listed(stack, kind: str, host: int, name: str, gone: bool = False, timeout: float = 10, check=None) -> dict | None:
    """The row of the network or volume `name` on `host` once listed (and `check(row)`), or None once gone."""

    def look():
        rows = call(stack, "GET", f"/api/v1/{kind}/", params={"host": host, "q": name}).json()["results"]
        row = next((r for r in rows if r["name"] == name), None)
        if gone:
            return True if row is None else None
        return row if row is not None and (check is None or check(row)) else None

    found = wait_until(look, timeout, interval=0.05, what=f"{kind} {name} to be {'gone' if gone else 'listed'}")
    return None if gone else found


@pytest.mark.parametrize("engine", ["local", "second"])
def test_cli_made_networks_and_volumes_appear_with_their_users_and_go(stack, engines, engine):
    url = list(engines)[0 if engine == "local" else 1]
    host = engines[url]
    network, volume, container = unique_name("cli-net"), unique_name("cli-vol"), unique_name("cli-user")

    subnet = free_subnet(url)
    docker("network", "create", "--label", TEST_LABEL, "--subnet", f"{subnet}.0/24", network, host=url)
    docker("volume", "create", "--label", TEST_LABEL, volume, host=url)
    # From the engine having made both (the CLI's own start-up is not Berth's lag).
    started = time.monotonic()
    net_row = listed(stack, "networks", host, network)
    vol_row = listed(stack, "volumes", host, volume)
    lag = time.monotonic() - started
    docker("run", "-d", "--label", TEST_LABEL, "--name", container, "--network", network, "-v", f"{volume}:/data",
           IMAGE, "sleep", "300", host=url)  # fmt: skip
    # Linked to the container's row once it is mirrored too (null until then: the network's
    # connect event may come before the container's own report).
    on = listed(stack, "networks", host, network, check=lambda r: r["containers"] and r["containers"][0]["id"])
    used = listed(stack, "volumes", host, volume, check=lambda r: r["containers"] and r["containers"][0]["id"])

    assert net_row["subnets"] == [f"{subnet}.0/24"] and net_row["driver"] == "bridge" and not net_row["stale"]
    assert vol_row["driver"] == "local" and vol_row["dangling"] and vol_row["mountpoint"]
    assert lag < 2.0, f"both appeared {lag:.2f}s after the CLI made them"
    [endpoint] = on["containers"]
    assert endpoint["name"] == container and endpoint["ipv4_address"].startswith(f"{subnet}.")
    assert endpoint["id"] == container_named(stack, host, container)["id"]
    assert [(m["name"], m["destination"]) for m in used["containers"]] == [(container, "/data")]
    detail = call(stack, "GET", f"/api/v1/volumes/{used['id']}/").json()
    assert detail["containers"][0]["id"] == endpoint["id"]

    docker("rm", "-f", container, host=url)
    docker("network", "rm", network, host=url)
    docker("volume", "rm", volume, host=url)
    listed(stack, "networks", host, network, gone=True)
    listed(stack, "volumes", host, volume, gone=True)
    tombstone = call(stack, "GET", f"/api/v1/networks/{net_row['id']}/").json()
    assert tombstone["removed_at"] is not None


def test_a_network_is_created_connected_disconnected_and_removed_through_the_api(stack, engines):
    url, host = next(iter(engines.items()))
    name, container = unique_name("api-net"), unique_name("api-user")
    docker("run", "-d", "--label", TEST_LABEL, "--name", container, IMAGE, "sleep", "300", host=url)
    subnet = free_subnet(url)
    body = {"host": host, "name": name, "subnet": f"{subnet}.0/24", "gateway": f"{subnet}.1", "labels": LABELS}

    made = call(stack, "POST", "/api/v1/networks/", json=body)
    assert made.status_code == 202, made.text
    assert finished(stack, made.json())["state"] == "succeeded"
    network = listed(stack, "networks", host, name)
    taken = call(stack, "POST", "/api/v1/networks/", json=body)
    overlapping = call(
        stack,
        "POST",
        "/api/v1/networks/",
        json={**body, "name": unique_name("other"), "subnet": f"{subnet}.128/25", "gateway": ""},
    )
    unknown = call(
        stack,
        "POST",
        "/api/v1/networks/",
        json={**body, "name": unique_name("other"), "driver": "nosuch", "subnet": "", "gateway": ""},
    )
    row = container_named(stack, host, container, state="running")
    connect = call(
        stack, "POST", f"/api/v1/networks/{network['id']}/connect/",
        json={"container": row["id"], "aliases": ["web"], "ipv4_address": f"{subnet}.50"},
    )  # fmt: skip
    assert connect.status_code == 202, connect.text
    assert finished(stack, connect.json())["state"] == "succeeded"
    on = listed(stack, "networks", host, name, check=lambda r: r["containers"])
    joined = docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", container, host=url)
    busy = call(stack, "DELETE", f"/api/v1/networks/{network['id']}/")
    disconnect = call(stack, "POST", f"/api/v1/networks/{network['id']}/disconnect/", json={"container": row["id"]})
    assert finished(stack, disconnect.json())["state"] == "succeeded"
    listed(stack, "networks", host, name, check=lambda r: not r["containers"])
    removed = call(stack, "DELETE", f"/api/v1/networks/{network['id']}/")

    assert (taken.status_code, taken.json()["code"]) == (409, "name_in_use")
    assert (overlapping.status_code, overlapping.json()["code"]) == (409, "subnet_overlap"), overlapping.text
    assert name in overlapping.json()["detail"]
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_driver")
    assert on["containers"][0]["ipv4_address"] == f"{subnet}.50/24"
    assert '"web"' in joined, joined
    assert (busy.status_code, busy.json()["code"]) == (409, "active_endpoints")
    assert container in busy.json()["detail"]
    assert finished(stack, removed.json())["state"] == "succeeded"
    listed(stack, "networks", host, name, gone=True)
    assert docker("network", "ls", "-q", "--filter", f"name=^{name}$", host=url) == ""
    kinds = {e["action"] for e in call(stack, "GET", "/api/v1/audit/", params={"page_size": 200}).json()["results"]}
    assert {"network.create", "network.connect", "network.disconnect", "network.remove"} <= kinds


def test_a_bind_driver_volume_is_refused_to_a_developer_and_made_for_an_admin(stack, engines, tmp_path):
    host = next(iter(engines.values()))
    developer = {"Authorization": f"Token {token_of(stack, 'developer', host)}"}
    name = unique_name("bind-vol")
    body = {"host": host, "name": name, "labels": LABELS,
            "driver_opts": {"type": "none", "o": "bind", "device": str(tmp_path)}}  # fmt: skip

    volumes = stack.base_url + "/api/v1/volumes/"
    refused = requests.post(volumes, json=body, headers=developer, timeout=30)
    plain = requests.post(volumes, json={"host": host, "name": unique_name("plain"), "labels": LABELS},
                          headers=developer, timeout=30)  # fmt: skip
    made = call(stack, "POST", "/api/v1/volumes/", json=body)

    assert (refused.status_code, refused.json()["code"]) == (403, "dangerous_option"), refused.text
    assert f"binds host path {tmp_path}" in refused.json()["detail"]
    assert plain.status_code == 202, plain.text
    assert finished(stack, made.json())["state"] == "succeeded"
    row = listed(stack, "volumes", host, name)
    assert row["dangers"] == [f"volume {name} (binds host path {tmp_path})"]


def test_a_volume_in_use_is_not_removed_unless_forced(stack, engines):
    url, host = next(iter(engines.items()))
    volume, container = unique_name("used-vol"), unique_name("vol-user")
    docker("volume", "create", "--label", TEST_LABEL, volume, host=url)
    docker("create", "--label", TEST_LABEL, "--name", container, "-v", f"{volume}:/data", IMAGE, "true", host=url)
    row = listed(stack, "volumes", host, volume, check=lambda r: r["containers"])

    refused = call(stack, "DELETE", f"/api/v1/volumes/{row['id']}/")
    forced = call(stack, "DELETE", f"/api/v1/volumes/{row['id']}/?force=true")

    assert (refused.status_code, refused.json()["code"]) == (409, "volume_in_use"), refused.text
    assert container in refused.json()["detail"]
    assert finished(stack, forced.json())["state"] == "succeeded"
    listed(stack, "volumes", host, volume, gone=True)
    assert docker("ps", "-aq", "--filter", f"name=^{container}$", host=url) == ""


def test_a_volume_s_size_is_what_the_engine_s_disk_usage_says_after_a_reconcile(stack):
    """Sizes come at the host worker's reconcile (here every second), not with each event."""
    name, volume, container = unique_name("sized"), unique_name("sized-vol"), unique_name("sized-writer")
    worker = stack.host_worker(name, env={"BERTH_RECONCILE_SECONDS": "1"})
    try:
        host = stack.wait_for_host(name, "online", timeout=20)["id"]
        docker("volume", "create", "--label", TEST_LABEL, volume)
        docker("run", "--rm", "--label", TEST_LABEL, "--name", container, "-v", f"{volume}:/data",
               IMAGE, "dd", "if=/dev/zero", "of=/data/blob", "bs=1024", "count=300")  # fmt: skip

        row = listed(stack, "volumes", host, volume, timeout=15, check=lambda r: (r["size"] or 0) >= 300 * 1024)

        assert row["size"] < 400 * 1024
    finally:
        worker.stop()
        remove_test_objects()
