"""What someone does with `docker` on a host shows up in Berth by itself, per host, within seconds."""

import signal
import time

import pytest

from tests.support.docker_cli import IMAGE, TEST_LABEL, TEST_RUN, docker, remove_test_objects
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def clean_engines(docker_host_2):
    yield
    remove_test_objects()
    remove_test_objects(docker_host_2)


def containers(stack, **params):
    return stack.get("/api/v1/containers/", params=params).json()["results"]


def container_named(stack, host, name, **expected):
    def check():
        found = [c for c in containers(stack, host=host["id"], name=name) if c["name"] == name]
        if found and all(found[0].get(k) == v for k, v in expected.items()):
            return found[0]
        return None

    return check


def images(stack, **params):
    return stack.get("/api/v1/images/", params=params).json()["results"]


def test_given_a_host_when_someone_runs_a_container_with_docker_then_berth_lists_it(stack, local_host, host_name):
    name = f"{host_name}-web"

    docker("run", "-d", "--name", name, "--label", TEST_LABEL, "-p", "80", IMAGE, "sleep", "300")

    container = wait_until(container_named(stack, local_host, name, state="running"), 10, what=f"{name} running")
    assert container["image"] == IMAGE
    assert container["status"].startswith("Up")
    assert container["host"] == local_host["id"]
    assert container["ports"] and container["ports"][0]["private_port"] == 80
    detail = stack.get(f"/api/v1/containers/{container['id']}/").json()
    assert detail["inspect"]["Config"]["Labels"]["berth.test"] == TEST_RUN
    assert detail["inspect"]["Config"]["Cmd"] == ["sleep", "300"]


def test_given_a_running_container_when_docker_changes_it_then_every_change_shows(stack, local_host, host_name):
    name = f"{host_name}-c"
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    container = wait_until(container_named(stack, local_host, name, state="running"), 10, what="running")

    docker("pause", name)
    wait_until(container_named(stack, local_host, name, state="paused"), 10, what="paused")
    docker("unpause", name)
    wait_until(container_named(stack, local_host, name, state="running"), 10, what="running again")

    docker("rename", name, f"{name}-renamed")
    renamed = wait_until(container_named(stack, local_host, f"{name}-renamed"), 10, what="renamed")
    assert renamed["id"] == container["id"]

    docker("stop", "-t", "0", f"{name}-renamed")
    stopped = wait_until(container_named(stack, local_host, f"{name}-renamed", state="exited"), 10, what="exited")
    assert stopped["exit_code"] == 137
    assert stopped["status"].startswith("Exited (137)")

    docker("rm", f"{name}-renamed")
    wait_until(lambda: not containers(stack, host=local_host["id"], name=f"{name}-renamed"), 10, what="gone")
    gone = stack.get(f"/api/v1/containers/{container['id']}/").json()
    assert gone["removed_at"] is not None


def test_given_an_image_when_docker_tags_and_untags_it_then_its_tags_follow(stack, local_host, host_name):
    tag = f"berth-test/{host_name}:v1"

    docker("tag", IMAGE, tag)
    tagged = wait_until(lambda: images(stack, host=local_host["id"], q=tag), 10, what="the new tag")
    assert tag in tagged[0]["tags"]
    assert IMAGE in tagged[0]["tags"]

    docker("rmi", tag)
    wait_until(lambda: not images(stack, host=local_host["id"], q=tag), 10, what="the tag to go")


def test_given_a_built_image_when_its_layers_are_read_then_instructions_sizes_and_sharing_show(
    stack, local_host, host_name, tmp_path
):
    (tmp_path / "Dockerfile").write_text(
        f"FROM {IMAGE}\nLABEL {TEST_LABEL}\nRUN echo one > /one.txt\nRUN echo two > /two.txt\n"
    )
    docker("build", "-q", "-t", f"berth-test/{host_name}-base:1", str(tmp_path))
    (tmp_path / "Dockerfile").write_text(f"FROM berth-test/{host_name}-base:1\nRUN echo three > /three.txt\n")
    docker("build", "-q", "-t", f"berth-test/{host_name}-child:1", str(tmp_path))

    child = wait_until(lambda: images(stack, host=local_host["id"], q=f"{host_name}-child"), 15, what="child")[0]
    history = stack.get(f"/api/v1/images/{child['id']}/history/").json()
    layers = history["layers"] if isinstance(history, dict) else history

    instructions = [layer["created_by"] for layer in layers]
    assert any("echo one" in i for i in instructions)
    assert any("echo three" in i for i in instructions)
    assert [i for i in instructions if "echo" in i] == sorted(
        [i for i in instructions if "echo" in i], key=lambda i: ("one" not in i, "two" not in i)
    ), "layers run from base to top"
    base_layer = next(layer for layer in layers if "echo one" in layer["created_by"])
    assert base_layer["diff_id"].startswith("sha256:")
    sharers = {tag for other in base_layer["shared_with"] for tag in other["tags"]}
    assert f"berth-test/{host_name}-base:1" in sharers
    top_layer = next(layer for layer in layers if "echo three" in layer["created_by"])
    assert top_layer["shared_with"] == []


def test_given_two_engines_when_both_run_a_container_with_the_same_name_then_they_are_two_rows(
    stack, host_name, docker_host_2
):
    first = stack.host_worker(f"{host_name}-1")
    second = stack.host_worker(f"{host_name}-2", docker_host=docker_host_2)
    host_1 = stack.wait_for_host(f"{host_name}-1", "online", timeout=15)
    host_2 = stack.wait_for_host(f"{host_name}-2", "online", timeout=15)
    name = f"{host_name}-twin"

    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300", host=docker_host_2)

    one = wait_until(container_named(stack, host_1, name), 10, what="the twin on host 1")
    two = wait_until(container_named(stack, host_2, name), 10, what="the twin on host 2")
    assert one["id"] != two["id"]
    assert one["engine_id"] != two["engine_id"]
    assert len([c for c in containers(stack, name=name) if c["name"] == name]) >= 2
    first.stop()
    second.stop()


def test_given_an_offline_host_when_it_returns_then_changes_made_meanwhile_are_reconciled(stack, host_name):
    worker = stack.host_worker(host_name)
    host = stack.wait_for_host(host_name, "online", timeout=15)
    kept, removed, added = (f"{host_name}-{suffix}" for suffix in ("kept", "removed", "added"))
    for name in (kept, removed):
        docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sleep", "300")
    wait_until(container_named(stack, host, removed, state="running"), 10, what="containers listed")

    worker.stop(signal.SIGKILL)
    stack.wait_for_host(host_name, "offline", timeout=15)

    # Offline, the last known inventory stays, marked stale.
    stale = wait_until(container_named(stack, host, kept, stale=True), 5, what="stale")
    assert stale["state"] == "running"
    docker("rm", "-f", removed)
    docker("run", "-d", "--name", added, "--label", TEST_LABEL, IMAGE, "sleep", "300")

    returned = time.monotonic()
    worker = stack.host_worker(host_name)
    wait_until(container_named(stack, host, added, state="running", stale=False), 30, what="the added container")
    wait_until(lambda: not containers(stack, host=host["id"], name=removed), 10, what="the removed one to go")
    assert container_named(stack, host, kept, stale=False)()
    assert time.monotonic() - returned < 30
    worker.stop()


def test_given_a_killed_worker_when_restarted_at_once_then_what_changed_meanwhile_is_listed_within_seconds(
    stack, host_name
):
    worker = stack.host_worker(host_name)
    host = stack.wait_for_host(host_name, "online", timeout=15)
    worker.stop(signal.SIGKILL)
    names = [f"{host_name}-{index}" for index in range(10)]
    for name in names:
        docker("create", "--name", name, "--label", TEST_LABEL, IMAGE, "true")

    restarted = time.monotonic()
    worker = stack.host_worker(host_name)

    # The successor waits for the dead worker's name claim to lapse, then takes over at once,
    # without waiting for the portal to notice the dead one.
    wait_until(
        lambda: {c["name"] for c in containers(stack, host=host["id"], q=host_name)} >= set(names),
        20,
        what="every container created while the worker was dead",
    )
    assert time.monotonic() - restarted < 15
    worker.stop()
