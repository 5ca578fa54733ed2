"""A portal worker whose consumer went silent (as Celery's has after a broker reconnect: celery
#8030, #10205) ends itself once reports have waited BERTH_CONSUMER_STALLED_AFTER seconds with
nothing run, saying why, so that its supervisor starts a fresh one; the fresh one applies what
waited. On a stack of its own (its own redis-server), with a real host worker heartbeating.

The silence is made the way it looks from outside: the worker's consumer of the `portal` queue is
cancelled by a remote-control command, the process and its periodic thread alive."""

import socket
import time
from datetime import datetime

import pytest
from celery import Celery

from tests.conftest import unique_name
from tests.support.faults import FaultStack
from tests.support.processes import wait_until
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

STALLED_AFTER = 5


@pytest.fixture
def private(tmp_path_factory):
    redis_server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    stack = FaultStack(data_dir=tmp_path_factory.mktemp("berth-consumer"), redis_url=redis_server.url)
    stack.extra_env = {**stack.extra_env, "BERTH_CONSUMER_STALLED_AFTER": str(STALLED_AFTER)}
    stack.start()
    try:
        name = unique_name("consumer")
        stack.host_worker(name)
        yield stack, redis_server, stack.wait_for_host(name, "online", timeout=20)
    finally:
        stack.stop()
        redis_server.stop()


def test_given_a_silent_consumer_when_reports_wait_then_the_worker_ends_itself_and_a_fresh_one_applies_them(private):
    stack, redis_server, host = private
    worker = stack.process("portal-worker")
    control = Celery(broker=redis_server.url)
    node = f"portal-{stack.port}@{socket.gethostname()}"
    answers = control.control.cancel_consumer("portal", destination=[node], reply=True, timeout=5)
    assert answers and node in answers[0], answers
    silenced = time.monotonic()

    # Heartbeats pile up: the worker is alive, its task threads idle.
    wait_until(lambda: not worker.alive(), STALLED_AFTER + 25, 0.2, what="the silent portal worker to end itself")
    ended_after = time.monotonic() - silenced
    log = worker.log()
    assert "its broker connection is stuck" in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]

    restarted = datetime.now().astimezone()
    stack.restart_portal_worker()  # as `make run`'s supervisor does (stack/supervisor.py)

    def heard_again():
        found = stack.host(host["slug"])
        seen = found and found["last_seen"] and datetime.fromisoformat(found["last_seen"].replace("Z", "+00:00"))
        return found["status"] == "online" and seen and seen >= restarted

    wait_until(heard_again, 20, 0.2, what="the host heard again by the fresh portal worker")
    print(f"\nconsumer silenced → worker ended {ended_after:.1f} s (watch {STALLED_AFTER} s)")
    assert ended_after <= STALLED_AFTER + 20
