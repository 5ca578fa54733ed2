"""Alerts on what a host worker measures and on stacks, end to end on a stack of this module's own:
the real host worker's heartbeat carries its machine's disk and memory use (signed, the one
report path); a disk threshold of 1 % fires host.disk to a real webhook receiver and raising it to
99 % resolves it; a compose stack (the real compose binary, BERTH_COMPOSE) of two services with one
container stopped fires stack.partly_down once the grace has passed, and resolves when started."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
import requests

from tests.support.alerts_stack import start_alerts_world
from tests.support.docker_cli import IMAGE, TEST_RUN, docker, remove_test_objects
from tests.support.processes import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("BERTH_TEST_DATABASE") == "postgres", reason="run once, on SQLite"),
]

COMPOSE_BIN = os.environ.get("BERTH_COMPOSE", "")
GRACE = 3


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    env = {"BERTH_ALERT_STACK_GRACE": str(GRACE)}
    world = start_alerts_world(tmp_path_factory.mktemp("berth-alerts"), tmp_path_factory.mktemp("redis"), env)
    yield world
    world.stop()
    remove_test_objects()


def patch(world, path: str, data: dict) -> requests.Response:
    stack = world.stack
    return requests.patch(stack.base_url + path, json=data, headers=stack.headers(), timeout=10)


def test_the_heartbeat_reports_disk_and_memory_use(world):
    host = world.stack.get(f"/api/v1/hosts/{world.host['id']}/").json()

    assert 0 < host["disk_used"] <= host["disk_total"] and 0 < host["disk_percent"] < 100
    assert 0 < host["memory_available"] <= host["memory"] and 0 < host["memory_percent"] < 100


def test_a_disk_threshold_of_1_fires_host_disk_and_raising_it_to_99_resolves_it(world):
    name = world.host["name"]
    rule = world.add_rule(name="disk", events=["host.disk"], threshold_percent=1)

    alert = wait_until(world.alert_about(name, kind="host.disk", state="firing"), 15, what="host.disk fired")
    wait_until(lambda: world.hooks_about(name, "fired"), 10, what="the webhook told")
    assert "past 1 %" in alert["title"]

    changed = patch(world, f"/api/v1/alert-rules/{rule['id']}/", {"threshold_percent": 99})
    assert changed.status_code == 200, changed.text

    wait_until(world.alert_about(name, kind="host.disk", state="resolved"), 15, what="host.disk resolved")
    wait_until(lambda: world.hooks_about(name, "resolved"), 10, what="the resolution told")
    refused = patch(world, f"/api/v1/alert-rules/{rule['id']}/", {"threshold_percent": 100})
    assert refused.status_code == 400 and "from 1 to 99" in refused.json()["detail"]


def compose(project: str, folder, *args: str) -> None:
    subprocess.run(
        [COMPOSE_BIN, "-p", project, "--project-directory", str(folder), *args],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "DOCKER_HOST": "unix:///var/run/docker.sock"},
    )


def test_a_stack_with_a_container_stopped_fires_partly_down_after_the_grace_and_resolves_when_started(world, tmp_path):
    if not COMPOSE_BIN:
        pytest.fail("BERTH_COMPOSE names Compose v2; `make test` installs it (scripts/test-services.sh).")
    project = f"{world.prefix}-shop"
    world.add_rule(name="stacks", events=["stack.partly_down"], match={"stacks": [project]})
    service = f"""    image: {IMAGE}
    command: sleep 300
    stop_signal: SIGKILL
    labels: {{berth.test: "{TEST_RUN}"}}
"""
    (tmp_path / "compose.yaml").write_text(f"services:\n  web:\n{service}  db:\n{service}")
    compose(project, tmp_path, "up", "-d")
    try:

        def mirrored():
            listed = world.stack.get("/api/v1/containers/", params={"host": world.host["id"], "page_size": 500})
            names = {c["name"]: c["state"] for c in listed.json()["results"]}
            return names.get(f"{project}-web-1") == names.get(f"{project}-db-1") == "running"

        wait_until(mirrored, 15, what="the stack mirrored, running")
        stopped = time.monotonic()
        docker("stop", "-t", "0", f"{project}-db-1")

        time.sleep(GRACE - 1)
        assert not world.alert_about(project, kind="stack.partly_down")(), "fired within the grace"
        alert = wait_until(world.alert_about(project, kind="stack.partly_down"), 15, 0.2, what="partly down fired")
        waited = time.monotonic() - stopped
        print(f"\nstack partly down → alert after {waited:.1f} s (grace {GRACE} s)")
        assert waited >= GRACE and "db not running" in alert["title"]
        wait_until(lambda: world.hooks_about(project, "fired"), 10, what="the webhook told")

        docker("start", f"{project}-db-1")
        wait_until(world.alert_about(project, kind="stack.partly_down", state="resolved"), 15, what="resolved")
        wait_until(lambda: world.hooks_about(project, "resolved"), 10, what="the resolution told")
    finally:
        compose(project, tmp_path, "down", "-t", "0")
