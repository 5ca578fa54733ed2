"""Lifecycle actions cannot starve a host worker of its threads: stops and restarts (which may
wait minutes for their containers) run in a bounded lane of their own, in order, while every
other operation still runs at once on the Celery thread that received it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from wire.tasks import OperationTask
from workers.operations import runner as runner_module
from workers.operations.lanes import Lane, LaneFull
from workers.operations.runner import LIFECYCLE_KINDS, OperationRunner

WAIT = 5.0


def eventually(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.005)


# --- the lane ------------------------------------------------------------------------------------


def test_a_lane_runs_at_most_its_threads_at_once_and_the_rest_in_the_order_they_came():
    lane = Lane("test", threads=2)
    release = threading.Event()
    started: list[int] = []

    def slow(n):
        started.append(n)
        release.wait(WAIT)

    for n in range(6):
        lane.submit(lambda n=n: slow(n))
    eventually(lambda: lane.running == 2)
    time.sleep(0.05)

    assert (lane.running, lane.waiting, sorted(started)) == (2, 4, [0, 1])
    release.set()
    eventually(lambda: lane.running == 0 and lane.waiting == 0)
    assert started[2:] == [2, 3, 4, 5]
    lane.stop()


def test_a_full_lane_refuses_more_instead_of_growing():
    lane = Lane("test", threads=1, limit=2)
    release = threading.Event()
    lane.submit(lambda: release.wait(WAIT))
    eventually(lambda: lane.running == 1)

    assert [lane.submit(lambda: None), lane.submit(lambda: None)] == [0, 1]  # how many wait ahead
    with pytest.raises(LaneFull, match="2 operations waiting"):
        lane.submit(lambda: None)
    release.set()
    lane.stop()


def test_stopping_a_lane_gives_up_what_waits_and_waits_for_what_runs():
    lane = Lane("test", threads=1)
    release, finished, given_up = threading.Event(), [], []
    lane.submit(lambda: (release.wait(WAIT), finished.append("running")))
    eventually(lambda: lane.running == 1)
    for n in range(3):
        lane.submit(lambda n=n: finished.append(n), on_cancel=lambda n=n: given_up.append(n))

    stopper = threading.Thread(target=lane.stop)
    stopper.start()
    eventually(lambda: len(given_up) == 3)
    assert stopper.is_alive()  # still waiting for the one that runs
    release.set()
    stopper.join(WAIT)

    assert (finished, sorted(given_up), lane.waiting) == (["running"], [0, 1, 2], 0)


def test_a_lane_survives_work_that_raises():
    lane = Lane("test", threads=1)
    lane.submit(lambda: 1 / 0)
    done = threading.Event()
    lane.submit(done.set)

    assert done.wait(WAIT)
    lane.stop()


# --- the runner ----------------------------------------------------------------------------------


class FakeReporter:
    def __init__(self):
        self.reports: list[dict] = []
        self.lock = threading.Lock()

    def send(self, kind, state=None, **parts):
        with self.lock:
            self.reports.append(parts["operation"])
        return True

    def ends(self) -> dict[int, dict]:
        with self.lock:
            return {r["id"]: r for r in self.reports if r["state"] not in ("running",)}


class FakeStreams:
    def register(self, kind, handler):
        pass

    def group_send(self, group, message):
        pass


class FakeRedis:
    def exists(self, key):
        return 0

    def set(self, *args, **kwargs):
        return True


def task(operation_id: int, kind: str) -> OperationTask:
    return OperationTask.from_wire(
        {"id": operation_id, "kind": kind, "params": {"container_id": f"c{operation_id}", "timeout": 300}}
    )


@pytest.fixture
def slow_engine(monkeypatch):
    """Every lifecycle action waits (as a stop waits for a container that ignores SIGTERM) until
    released; a pull answers at once."""
    release = threading.Event()
    busy = {"now": 0, "most": 0}
    lock = threading.Lock()

    def lifecycle(engine, params, ctx):
        with lock:
            busy["now"] += 1
            busy["most"] = max(busy["most"], busy["now"])
        release.wait(WAIT * 2)
        with lock:
            busy["now"] -= 1
        return {}

    kinds = dict(runner_module.KINDS)
    kinds.update({kind: lifecycle for kind in LIFECYCLE_KINDS})
    kinds["image.pull"] = lambda engine, params, ctx: {"pulled": params.get("reference")}
    monkeypatch.setattr(runner_module, "KINDS", kinds)
    yield release, busy
    release.set()


def make_runner(lifecycle_threads: int = 2) -> tuple[OperationRunner, FakeReporter]:
    reporter = FakeReporter()
    runner = OperationRunner(
        "unix:///nonexistent.sock",
        reporter,
        FakeStreams(),
        FakeRedis(),
        "web-1",
        lifecycle_threads=lifecycle_threads,
    )
    return runner, reporter


def test_many_slow_stops_leave_the_celery_threads_free_for_a_pull(slow_engine):
    release, busy = slow_engine
    runner, reporter = make_runner(lifecycle_threads=2)
    celery = ThreadPoolExecutor(max_workers=4)  # the worker's --concurrency

    handed_over = [celery.submit(runner.run, task(n, "container.stop")) for n in range(1, 11)]
    for future in handed_over:
        future.result(timeout=WAIT)  # each Celery thread is free again at once
    eventually(lambda: busy["now"] == 2)
    pull = celery.submit(runner.run, OperationTask.from_wire({"id": 99, "kind": "image.pull", "params": {}}))
    pull.result(timeout=WAIT)

    assert reporter.ends()[99]["state"] == "succeeded"
    assert (runner.lifecycle.running, runner.lifecycle.waiting) == (2, 8)
    assert not any(n in reporter.ends() for n in range(1, 11))  # still stopping or waiting: no end yet
    release.set()
    eventually(lambda: len(reporter.ends()) == 11)
    assert busy["most"] == 2
    assert all(reporter.ends()[n]["state"] == "succeeded" for n in range(1, 11))
    runner.lifecycle.stop()
    celery.shutdown()


def test_an_operation_waiting_in_the_lane_when_the_worker_stops_is_reported_failed(slow_engine):
    release, _ = slow_engine
    runner, reporter = make_runner(lifecycle_threads=1)
    runner.run(task(1, "container.restart"))
    eventually(lambda: runner.lifecycle.running == 1)
    runner.run(task(2, "container.stop"))

    stopper = threading.Thread(target=runner.lifecycle.stop)
    stopper.start()
    eventually(lambda: 2 in reporter.ends())
    release.set()
    stopper.join(WAIT)

    assert reporter.ends()[2]["error_code"] == "worker_stopped"
    assert "nothing was done" in reporter.ends()[2]["error"]
    assert reporter.ends()[1]["state"] == "succeeded"
    assert [r["state"] for r in reporter.reports if r["id"] == 2] == ["failed"]  # never ran


def test_a_lifecycle_action_beyond_the_lanes_limit_fails_with_a_sentence(slow_engine, monkeypatch):
    runner, reporter = make_runner(lifecycle_threads=1)
    runner.lifecycle.limit = 1
    runner.run(task(1, "container.stop"))
    eventually(lambda: runner.lifecycle.running == 1)
    runner.run(task(2, "container.stop"))

    runner.run(task(3, "container.kill"))

    assert reporter.ends()[3]["error_code"] == "host_busy"
    assert "Try again later" in reporter.ends()[3]["error"]
    slow_engine[0].set()
    runner.lifecycle.stop()
