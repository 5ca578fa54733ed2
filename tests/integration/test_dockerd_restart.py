"""A host's dockerd restarted for real (a dockerd of this module's own: tests/support/private_dockerd.py):
the host says its engine is unreachable while its worker stays online, refuses changes meanwhile
with a sentence, and recovers by itself with the inventory exact (the containers the restart
stopped, the one it started again, what the CLI changed the moment it was back), takes operations
and follows the engine's events again. And when dockerd was killed instead, the new one takes
connections long before it answers: the host stays online meanwhile, its engine unreachable. Both
are measured again by bench/faults.py.

Elsewhere (test_engine_outage.py): an engine that goes on running, and is changed, while its
worker cannot reach it, which a restart cannot show."""

import subprocess

import pytest

from tests.support.docker_cli import IMAGE
from tests.support.dockerd_restart import crash_dockerd, restart_dockerd
from tests.support.private_dockerd import PrivateDockerd

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def dockerd():
    with PrivateDockerd() as engine:
        engine.start()
        engine.load_image()
        yield engine


def log_offsets(stack) -> dict[str, int]:
    return {process.name: len(process.log()) for process in stack.processes}


def logged_since(stack, offsets: dict[str, int]) -> dict[str, str]:
    return {process.name: process.log()[offsets.get(process.name, 0) :] for process in stack.processes}


def test_given_a_host_when_its_dockerd_restarts_then_it_is_unreachable_meanwhile_and_recovers_exact(
    stack, host_name, dockerd
):
    offsets = log_offsets(stack)
    worker = stack.host_worker(host_name, docker_host=dockerd.url)
    host = stack.wait_for_host(host_name, "online", timeout=15, engine_reachable=True)

    restart = restart_dockerd(stack, dockerd, worker, host, host_name)

    assert str(dockerd.socket) in restart.engine_error, restart
    assert restart.worker_alive
    status, body = restart.refused
    assert (status, body.get("code")) == (503, "host_offline"), restart.refused
    assert "engine is not answering" in body["detail"], body
    # Without live-restore the restart stopped the plain container; "always" was started again.
    expected = {f"{host_name}-{name}": state for name, state in
                (("plain", "exited"), ("always", "running"), ("added", "created"))}  # fmt: skip
    assert restart.engine[0] == expected, restart
    assert restart.listed == restart.engine, restart
    assert restart.bridge_renewed, "dockerd made its default bridge network anew: Berth lists the new one only"
    assert restart.followed < 10, restart  # the event stream, not the minute's reconcile
    assert restart.exact < 15, restart
    for name, text in logged_since(stack, offsets).items():
        assert "Traceback" not in text, f"{name} logged a traceback:\n{text[-4000:]}"
    worker.stop()


def test_given_a_host_when_its_dockerd_crashes_and_takes_long_to_start_again_then_its_worker_stays_online(
    stack, host_name, dockerd
):
    # A dockerd that starts over what a killed one left stops the containers still running first,
    # each with its stop timeout, and answers nothing until then, though its socket takes
    # connections: 15 s here (PID 1 ignores SIGTERM), beyond the 8 s after which a host whose
    # heartbeats stopped is offline.
    worker = stack.host_worker(host_name, docker_host=dockerd.url)
    host = stack.wait_for_host(host_name, "online", timeout=15, engine_reachable=True)

    crash = crash_dockerd(stack, dockerd, host, f"{host_name}-stubborn", stop_timeout=15)

    assert crash.engine_answered >= 15, crash
    assert set(crash.seen) <= {("online", False), ("online", True)}, crash
    # First its socket left behind refuses, then the new dockerd takes connections and answers none.
    assert any("did not answer within" in error for error in crash.errors), crash
    assert all(str(dockerd.socket) in error for error in crash.errors), crash
    assert worker.alive()
    worker.stop()


def test_a_private_dockerd_killed_with_a_container_running_leaves_nothing_behind():
    engine = PrivateDockerd()
    try:
        engine.start()
        engine.load_image()
        engine.docker("run", "-d", "--name", "left-running", IMAGE, "sleep", "3600")
        assert engine.mounts(), "a running container has its root file system mounted"
        engine.popen.kill()  # no clean shutdown: shim, container, mounts and pidfiles stay
        engine.popen.wait(10)
    finally:
        engine.destroy()

    assert not engine.root.exists()
    assert engine.mounts() == []
    assert engine.processes() == []
    bridge = subprocess.run(["ip", "link", "show", engine.bridge], capture_output=True, check=False)
    assert bridge.returncode != 0, f"bridge {engine.bridge} left"
