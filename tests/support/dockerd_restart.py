"""A host's dockerd restarted for real (tests.support.private_dockerd), and what Berth made of it:
tests/integration/test_dockerd_restart.py asserts on it, bench/faults.py prints its figures beside
the baseline (how long dockerd itself took to answer `docker info` again).

Before: two containers run through Berth's API (one with restart policy "always") and one made with
the CLI. dockerd is stopped (SIGTERM: without live-restore it stops its containers), a change is
asked of the host through the API, dockerd is started again and at once the CLI removes a container
and makes one. Then the host must say its engine answers, list exactly what the engine has (states
included: the plain one exited, the "always" one running again), take an operation, and follow the
engine's event stream again (a change made after is listed within the event path's time, far
below the periodic reconcile's minute). Or dockerd is SIGKILLed with a container running that
ignores SIGTERM, and started again: it answers nothing until it has stopped that container.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from tests.support.docker_cli import IMAGE, TEST_LABEL
from tests.support.operations import LABELS, call, container_named, finished
from tests.support.private_dockerd import PrivateDockerd
from tests.support.processes import BerthProcess, Stack, wait_until

__all__ = ["DockerdCrash", "DockerdRestart", "crash_dockerd", "restart_dockerd"]

# PID 1 of a container ignores SIGTERM unless it handles it: this one ends at once when stopped, so
# dockerd's shutdown (which stops every container) takes a second, not each container's 10 s.
STOPPABLE = "sh -c \"trap 'exit 0' TERM; sleep 3600 & wait\""


@dataclass
class DockerdRestart:
    stopped: float  # seconds dockerd took to stop (its containers stopped with it)
    unreachable: float  # seconds from dockerd gone to the host saying its engine is unreachable
    engine_error: str  # what the host said then
    worker_alive: bool  # the host worker, while dockerd was down
    refused: tuple[int, dict]  # the API's answer to a change asked while dockerd was down
    engine_answered: float  # seconds from starting dockerd to `docker info` answering (the baseline)
    reachable: float  # seconds from dockerd answering to the host saying its engine is reachable
    exact: float  # ... to the inventory equal to the engine's (states, the CLI's changes)
    usable: float  # ... to an operation asked then having succeeded
    followed: float  # seconds from a CLI change after that to Berth listing it (the event stream)
    # Once exact: (container name -> state, network name -> (id, its containers' ids)), in Berth...
    listed: tuple[dict[str, str], dict[str, tuple]]
    engine: tuple[dict[str, str], dict[str, tuple]]  # ... and on the engine
    bridge_renewed: bool  # the default bridge network came back with a new id (dockerd makes it anew)


def _body(answer) -> dict:
    try:
        return answer.json()
    except ValueError:
        return {"text": answer.text[:2000]}


def restart_dockerd(stack: Stack, dockerd: PrivateDockerd, worker: BerthProcess, host: dict, prefix: str):
    """`host` is served by `worker` on `dockerd`, its engine reachable; the names made start with `prefix`."""
    plain, always, removed, added, late = (f"{prefix}-{s}" for s in ("plain", "always", "removed", "added", "late"))
    for name, policy in ((plain, "no"), (always, "always")):
        answer = call(
            stack,
            "POST",
            "/api/v1/containers/",
            json={"host": host["id"], "image": IMAGE, "name": name, "command": STOPPABLE, "restart_policy": policy,
                  "labels": LABELS},
        )  # fmt: skip
        assert answer.status_code == 202, answer.text
        operation = finished(stack, answer.json())
        assert operation["state"] == "succeeded", operation
    dockerd.docker("create", "--label", TEST_LABEL, "--name", removed, IMAGE, "true")
    plain_row = container_named(stack, host["id"], plain, "running")
    container_named(stack, host["id"], always, "running")
    container_named(stack, host["id"], removed, "created")

    bridge = dockerd.docker("network", "inspect", "-f", "{{.Id}}", "bridge")
    gone = time.monotonic()
    stopped = dockerd.stop()
    down = stack.wait_for_host(host["slug"], "online", timeout=30, engine_reachable=False)
    unreachable = time.monotonic() - gone
    # A change that needs the engine whatever the containers' states (the restart stopped them).
    refused = call(stack, "POST", "/api/v1/containers/", json={"host": host["id"], "image": IMAGE, "labels": LABELS})
    refusal = (refused.status_code, _body(refused))
    worker_alive = worker.alive()

    engine_answered = dockerd.start()
    back = time.monotonic()
    # Changed the moment the engine is back, before Berth can have looked.
    dockerd.docker("rm", removed)
    dockerd.docker("create", "--label", TEST_LABEL, "--name", added, IMAGE, "true")
    stack.wait_for_host(host["slug"], "online", timeout=30, engine_reachable=True)
    reachable = time.monotonic() - back

    def engine_states() -> dict[str, str]:
        lines = dockerd.docker("ps", "-a", "--filter", f"name={prefix}-", "--format", "{{.Names}} {{.State}}")
        return dict(line.split() for line in lines.splitlines())

    def listed_states() -> dict[str, str]:
        rows = call(stack, "GET", "/api/v1/containers/", params={"host": host["id"], "q": prefix}).json()["results"]
        return {row["name"]: row["state"] for row in rows}

    def engine_networks() -> dict[str, tuple[str, tuple[str, ...]]]:
        ids = dockerd.docker("network", "ls", "-q", "--no-trunc").split()
        form = "{{.Name}} {{.Id}}{{range $id, $_ := .Containers}} {{$id}}{{end}}"
        lines = dockerd.docker("network", "inspect", "-f", form, *ids).splitlines()
        return {name: (engine_id, tuple(sorted(members))) for name, engine_id, *members in map(str.split, lines)}

    def listed_networks() -> dict[str, tuple[str, tuple[str, ...]]]:
        rows = call(stack, "GET", "/api/v1/networks/", params={"host": host["id"]}).json()["results"]
        return {r["name"]: (r["engine_id"], tuple(sorted(c["engine_id"] for c in r["containers"]))) for r in rows}

    def matching():
        truth, listed = (engine_states(), engine_networks()), (listed_states(), listed_networks())
        return (listed, truth) if listed == truth and plain in truth[0] else None

    listed, truth = wait_until(matching, 60, 0.05, "the inventory to equal the engine's after dockerd restarted")
    exact = time.monotonic() - back

    answer = call(stack, "POST", f"/api/v1/containers/{plain_row['id']}/start/")
    assert answer.status_code == 202, answer.text
    operation = finished(stack, answer.json())
    assert operation["state"] == "succeeded", operation
    container_named(stack, host["id"], plain, "running")
    usable = time.monotonic() - back

    made = time.monotonic()
    dockerd.docker("create", "--label", TEST_LABEL, "--name", late, IMAGE, "true")
    container_named(stack, host["id"], late, "created", timeout=30)
    followed = time.monotonic() - made

    return DockerdRestart(
        stopped=stopped,
        unreachable=unreachable,
        engine_error=down["engine_error"],
        worker_alive=worker_alive,
        refused=refusal,
        engine_answered=engine_answered,
        reachable=reachable,
        exact=exact,
        usable=usable,
        followed=followed,
        listed=listed,
        engine=truth,
        bridge_renewed=truth[1]["bridge"][0] != bridge,
    )


@dataclass
class DockerdCrash:
    unreachable: float  # seconds from the SIGKILL to the host saying its engine is unreachable
    engine_answered: float  # seconds from starting dockerd again to `docker info` answering
    seen: Counter  # (status, engine_reachable) of the host, polled while dockerd was starting
    errors: set[str]  # the engine errors the host showed meanwhile
    exact: float  # seconds from dockerd answering to the host reachable and the container exited in Berth


def crash_dockerd(stack: Stack, dockerd: PrivateDockerd, host: dict, name: str, stop_timeout: int = 15):
    """A container `name` that ignores SIGTERM, with `stop_timeout`, runs; dockerd is SIGKILLed and
    started again: before it answers anything it stops that container (its timeout long)."""
    dockerd.docker("run", "-d", "--stop-timeout", str(stop_timeout), "--label", TEST_LABEL, "--name", name, IMAGE,
                   "sleep", "3600")  # fmt: skip
    container_named(stack, host["id"], name, "running")

    killed = time.monotonic()
    dockerd.kill()
    stack.wait_for_host(host["slug"], "online", timeout=15, engine_reachable=False)
    unreachable = time.monotonic() - killed
    seen, errors, answered = Counter(), set(), []
    starting = threading.Thread(target=lambda: answered.append(dockerd.start()))
    starting.start()
    while starting.is_alive():
        now = stack.host(host["slug"])
        seen[(now["status"], now["engine_reachable"])] += 1
        errors.add(now["engine_error"])
        time.sleep(0.2)
    starting.join()
    assert answered, f"dockerd did not start again:\n{dockerd.log_tail()}"
    back = time.monotonic()
    stack.wait_for_host(host["slug"], "online", timeout=30, engine_reachable=True)
    container_named(stack, host["id"], name, "exited", timeout=30)
    return DockerdCrash(unreachable, answered[0], seen, errors - {""}, time.monotonic() - back)
