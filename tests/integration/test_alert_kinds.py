"""Each kind of container trouble on the real engine fires exactly one alert and resolves when it
is over: a container the OOM killer ends (resolved when removed), one whose healthcheck fails
(resolved when it passes again), one restarting in a loop (resolved once it stopped restarting for
the rule's window). On an alerts world of this module's own (a real webhook receiver)."""

from __future__ import annotations

import os
import time

import pytest

from tests.support.alerts_stack import start_alerts_world
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.processes import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("BERTH_TEST_DATABASE") == "postgres", reason="run once, on SQLite"),
]

LOOP_WINDOW = 10  # the smallest window a rule may have


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = start_alerts_world(tmp_path_factory.mktemp("berth-alert-kinds"), tmp_path_factory.mktemp("redis"))
    prefix = world.prefix
    world.add_rule(name="oom", events=["container.oom"], match={"names": [f"{prefix}-oom*"]})
    world.add_rule(name="sick", events=["container.unhealthy"], match={"names": [f"{prefix}-sick*"]})
    world.add_rule(
        name="loops",
        events=["container.restart_loop"],
        match={"names": [f"{prefix}-loop*"]},
        restart_count=3,
        restart_window_seconds=LOOP_WINDOW,
    )
    yield world
    world.stop()
    remove_test_objects()


def one_alert(world, name: str, kind: str) -> dict:
    found = [a for a in world.alerts() if a["subject"] == name and a["kind"] == kind]
    assert len(found) == 1, found
    return found[0]


def test_a_container_the_oom_killer_ends_is_one_alert_resolved_when_it_is_removed(world):
    name = f"{world.prefix}-oom"
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, "--memory", "16m", "--memory-swap", "16m",
           IMAGE, "sh", "-c", "x=a; while true; do x=$x$x; done")  # fmt: skip

    wait_until(world.alert_about(name, kind="container.oom"), 20, 0.2, what="the OOM alert")
    assert docker("inspect", "-f", "{{.State.OOMKilled}}", name) == "true"
    wait_until(lambda: world.hooks_about(name, "fired"), 10, what="the webhook told of it")
    assert one_alert(world, name, "container.oom")["title"].endswith("was killed by the OOM killer")

    docker("rm", "-f", name)
    wait_until(world.alert_about(name, kind="container.oom", state="resolved"), 15, what="resolved on removal")
    assert len(world.hooks_about(name, "fired")) == 1


def test_a_failing_healthcheck_is_one_alert_resolved_when_it_passes_again(world):
    name = f"{world.prefix}-sick"
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, "--health-cmd", "test -f /ok",
           "--health-interval", "1s", "--health-timeout", "1s", "--health-retries", "1",
           IMAGE, "sleep", "300")  # fmt: skip

    wait_until(world.alert_about(name, kind="container.unhealthy"), 30, 0.2, what="the unhealthy alert")
    docker("exec", name, "touch", "/ok")

    wait_until(world.alert_about(name, kind="container.unhealthy", state="resolved"), 30, 0.2, what="resolved")
    wait_until(lambda: world.hooks_about(name, "resolved"), 10, what="the webhook told it resolved")
    assert len(world.hooks_about(name, "fired")) == 1
    one_alert(world, name, "container.unhealthy")


def test_a_container_restarting_in_a_loop_is_one_alert_resolved_once_it_stops_restarting(world, tmp_path):
    # The loop ends when /fixed appears in the bind mount: the next start stays up. (`docker update
    # --restart no` would race the engine, which refuses to update a container between restarts.)
    name = f"{world.prefix}-loop"
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, "--restart", "always", "-v", f"{tmp_path}:/state",
           IMAGE, "sh", "-c", "sleep 0.5; test -f /state/fixed && exec sleep 300; exit 1")  # fmt: skip

    wait_until(world.alert_about(name, kind="container.restart_loop"), 40, 0.2, what="the restart-loop alert")
    time.sleep(3)  # more restarts come: still one alert
    (tmp_path / "fixed").touch()

    resolved = wait_until(
        world.alert_about(name, kind="container.restart_loop", state="resolved"),
        LOOP_WINDOW + 40,
        0.5,
        what="resolved once it stopped restarting for the window",
    )
    assert len(world.hooks_about(name, "fired")) == 1
    assert resolved["fire_count"] >= 1
    one_alert(world, name, "container.restart_loop")
