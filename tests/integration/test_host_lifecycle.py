"""A host joins by starting its worker, is seen online within seconds, and offline when it stops."""

import signal
import time

import pytest

from engine import Engine
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration


def test_given_a_host_worker_when_it_starts_then_the_host_is_online_with_its_engine_facts(stack, host_name):
    engine = Engine().info()

    worker = stack.host_worker(host_name)
    host = stack.wait_for_host(host_name, "online", timeout=15)

    assert worker.alive()
    assert host["name"] == host_name
    assert host["engine_reachable"] is True
    assert host["engine_version"] == engine.engine_version
    assert host["api_version"] == "1.41"
    assert host["os"] == engine.os
    assert host["cpus"] == engine.cpus
    assert host["memory"] == engine.memory
    # The engine's count, which other runs sharing the engine change: equal once both are read
    # after the same change (the worker reads its engine's facts again every 10 s).
    wait_until(lambda: stack.host(host_name)["image_count"] == Engine().info().images, 25, 0.2, "the image count")
    assert host["docker_host"] == "unix:///var/run/docker.sock"
    worker.stop()


def test_given_an_online_host_when_its_worker_is_stopped_then_it_is_offline_at_once(stack, host_name):
    worker = stack.host_worker(host_name)
    stack.wait_for_host(host_name, "online", timeout=15)

    assert worker.stop(signal.SIGTERM) == 0

    # A clean stop says goodbye: no need to wait for missed heartbeats.
    stack.wait_for_host(host_name, "offline", timeout=3)


def test_given_an_online_host_when_its_worker_is_killed_then_it_is_offline_within_15_seconds(stack, host_name):
    worker = stack.host_worker(host_name)
    stack.wait_for_host(host_name, "online", timeout=15)

    worker.stop(signal.SIGKILL)
    killed_at = time.monotonic()

    stack.wait_for_host(host_name, "offline", timeout=15)
    assert time.monotonic() - killed_at <= 15


def test_given_a_killed_worker_when_it_restarts_on_the_same_engine_then_the_host_comes_back(stack, host_name):
    first = stack.host_worker(host_name)
    stack.wait_for_host(host_name, "online", timeout=15)
    first.stop(signal.SIGKILL)

    second = stack.host_worker(host_name)

    # The dead worker's name claim lapses, then the new one takes over the same host.
    host = stack.wait_for_host(host_name, "online", timeout=25)
    assert second.alive()
    assert len([h for h in stack.get("/api/v1/hosts/", params={"name": host_name}).json()["results"]]) == 1
    assert host["name"] == host_name
    second.stop()


def test_given_two_engines_when_each_has_a_worker_then_two_hosts_are_online_side_by_side(
    stack, host_name, docker_host_2
):
    first = stack.host_worker(f"{host_name}-a")
    second = stack.host_worker(f"{host_name}-b", docker_host=docker_host_2)

    a = stack.wait_for_host(f"{host_name}-a", "online", timeout=15)
    b = stack.wait_for_host(f"{host_name}-b", "online", timeout=15)

    assert a["id"] != b["id"]
    assert a["docker_host"] == "unix:///var/run/docker.sock"
    assert b["docker_host"] == docker_host_2
    first.stop()
    second.stop()


def test_given_a_host_name_in_use_when_a_second_worker_claims_it_then_it_is_refused_and_the_first_keeps_it(
    stack, host_name, docker_host_2
):
    first = stack.host_worker(host_name)
    stack.wait_for_host(host_name, "online", timeout=15)

    intruder = stack.host_worker(host_name, docker_host=docker_host_2)

    assert intruder.popen.wait(30) == 2
    assert f"Host name '{host_name}' is already served by a running host worker" in intruder.log()
    portal_log = next(p for p in stack.processes if p.name == "portal-worker")
    # (the refusal's report reaches the portal worker after the intruder has gone)
    wait_until(lambda: f"was refused the name '{host_name}'" in portal_log.log(), 10, what="the refusal logged")
    host = stack.wait_for_host(host_name, "online", timeout=5)
    assert host["docker_host"] == "unix:///var/run/docker.sock"
    assert first.alive()
    first.stop()


def test_given_no_database_at_all_when_a_host_worker_runs_then_it_still_serves_its_host(stack, host_name):
    # A database URL that leads nowhere: a host worker that touched the database would fail.
    # (tests/workers/test_isolation.py proves it loads nothing of the portal or Django's ORM.)
    worker = stack.host_worker(host_name, env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"})

    stack.wait_for_host(host_name, "online", timeout=15)
    assert worker.alive()
    worker.stop()


def test_given_new_host_workers_when_their_first_snapshots_arrive_then_no_gap_is_seen(stack, host_name):
    """A snapshot's objects and its listing travel in one report: the portal worker's threads apply
    reports in any order, and a listing applied before the objects it names (when they went apart)
    was taken for a gap, logged as objects "the portal never received", and answered with a full
    resync, which took the host's resync slot from any real gap in the next half minute."""
    portal_worker = next(process for process in stack.processes if process.name == "portal-worker")
    for number in range(4):
        name = f"{host_name}-{number}"
        worker = stack.host_worker(name)
        stack.wait_for_host(name, "online", timeout=15)
        images = f"/api/v1/images/?host={stack.host(name)['id']}"  # the engine has the test image at least
        wait_until(lambda images=images: stack.get(images).json()["count"] > 0, 15, what="the host's images")
        time.sleep(1)  # every part of the snapshot applied
        worker.stop()
        gaps = [line for line in portal_worker.log().splitlines() if f"'{name}'" in line and "never received" in line]
        assert gaps == [], gaps
