"""Faults injected into a real stack of this module's own, which heal by themselves with nothing
lost: Redis stopped for 10 s and started again (its own redis-server: the shared one is never
stopped), the web process SIGKILLed with a terminal open, the portal worker SIGKILLed while
changes happen, a host worker SIGKILLed mid-operation and replaced at once. Each figure is measured
again, with more faults, by bench/faults.py.

Elsewhere: a host worker SIGKILLed mid-operation and not replaced (tests/integration/test_operations.py) and its
inventory after (test_inventory.py); an engine gone and back (test_engine_outage.py); a host's dockerd
restarted, and killed (test_dockerd_restart.py); `make run` stopped with sockets open and its
supervisor SIGKILLed (test_make_run.py)."""

import os

import pytest

from tests.conftest import unique_name
from tests.support.faults import (
    ORPHANED_AFTER,
    kill_host_worker_mid_operation,
    kill_portal_worker,
    kill_web_with_terminal_open,
    labelled_container,
    private_fault_stack,
    stop_redis,
)

pytestmark = [
    pytest.mark.integration,
    # The faults are the processes', not the database's: one pass (on SQLite) keeps CI time down.
    pytest.mark.skipif(os.environ.get("BERTH_TEST_DATABASE") == "postgres", reason="run once, on SQLite"),
]

CLOSED_CLEANLY = {4503}  # Redis lost: the page reconnects; never None (1006, no close frame)


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    """Its own Redis, web, portal worker and host worker on the local engine."""
    with private_fault_stack(tmp_path_factory, "faults") as made:
        yield made


def logs_of(stack) -> dict[str, str]:
    return {process.name: process.log() for process in stack.processes}


def test_given_open_sockets_and_an_operation_when_redis_stops_for_10_s_then_all_closes_cleanly_and_heals(private):
    stack, redis_server, host = private
    shell = labelled_container(stack, host, unique_name("faults-shell"))
    # PID 1 ignores SIGTERM: the stop takes its whole 5 s timeout, inside the outage.
    victim = labelled_container(stack, host, unique_name("faults-victim"))

    outage = stop_redis(stack, redis_server, host, shell, victim, seconds=10)

    assert set(outage.closes.values()) <= CLOSED_CLEANLY, outage.closes
    assert outage.during in {("close", 4503)}, outage.during  # not an HTTP 500
    assert outage.host_back <= 10, outage
    assert all(kind in ("close", "echoed") for kind, _ in outage.first_terminal), outage.first_terminal
    assert outage.first_terminal[-1][0] == "echoed" and outage.terminal_back <= 15, outage
    # Definite, and right: the stop went on on the host, and its report got through after.
    assert outage.operation["state"] == "succeeded", outage.operation
    assert outage.container_state == outage.engine_state == "exited", outage
    for name, log in logs_of(stack).items():
        assert "Traceback" not in log and "never retrieved" not in log, f"{name}:\n{log[-4000:]}"


def test_given_a_terminal_open_when_the_web_process_is_killed_then_its_shell_and_session_end(private):
    stack, _redis, host = private
    shell = labelled_container(stack, host, unique_name("faults-orphan"))

    killed = kill_web_with_terminal_open(stack, shell)

    # The host worker ends the shell once the web side is silent (wire.streams.PEER_TIMEOUT);
    # the sweep ends the record once nobody refreshed it for BERTH_TERMINAL_ORPHANED_AFTER.
    assert killed.exec_gone <= 30, killed
    assert killed.session_closed <= ORPHANED_AFTER + 10, killed
    assert "lost the web process" in killed.session["end_reason"]


def test_given_changes_around_a_killed_portal_worker_when_a_new_one_starts_then_the_inventory_converges(private):
    stack, _redis, host = private

    killed = kill_portal_worker(stack, host, unique_name("faults-pw"))

    assert killed.converged <= 20, killed


def test_given_a_stop_in_flight_when_the_host_worker_is_killed_and_replaced_at_once_then_its_end_is_definite(private):
    """The outcome is not lost with the worker: the operation ends failed with a sentence as soon as
    the new worker says hello (long before the host would be judged lost), and the container's state
    in Berth converges to the engine's, whichever way the engine's stop went."""
    stack, _redis, host = private
    victim = labelled_container(stack, host, unique_name("faults-hw"))
    worker = stack.process(f"host-{host['name']}")

    killed = kill_host_worker_mid_operation(stack, worker, host, victim, replace_at_once=True)

    assert killed.operation["state"] == "failed", killed
    assert killed.operation["error_code"] == "host_lost"
    assert killed.operation["error"] == "Host lost: its worker restarted while this operation ran."
    assert killed.operation_end <= 15, killed
    assert killed.container_state == killed.engine_state, killed
    assert killed.converged <= 20, killed
