"""`make run`'s supervisor with real child processes: crashes heal, stops are bounded, and a
supervisor killed outright takes its children with it."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from stack import supervisor as supervisor_module
from stack.supervisor import Process, Supervisor
from tests.support.processes import wait_until

PYTHON = sys.executable


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent has not reaped it yet).
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def test_given_a_child_that_crashes_when_supervised_then_it_is_restarted_with_backoff_and_logged(monkeypatch):
    monkeypatch.setattr(supervisor_module, "BACKOFF_FIRST", 0.2)
    said: list[str] = []
    supervisor = Supervisor(say=said.append)
    crasher = supervisor.start(Process("crasher", [PYTHON, "-c", "import sys; sys.exit(3)"]))
    stop = threading.Event()
    threading.Timer(2.0, stop.set).start()
    assert supervisor.wait(stop) is None  # never "exited for good": it keeps being restarted
    supervisor.stop()

    assert crasher.restarts >= 2
    assert said[0] == "crasher exited with code 3; restarting it in 0 s"
    assert "crasher restarted (restart 1)" in said
    # The backoff doubles: the second wait is announced longer than the first.
    waits = [line for line in said if "restarting it in" in line]
    assert crasher.backoff > supervisor_module.BACKOFF_FIRST
    assert len(waits) >= 2


def test_given_a_process_that_may_not_restart_when_it_exits_then_wait_returns_it():
    supervisor = Supervisor(say=lambda _: None)
    once = supervisor.start(Process("once", [PYTHON, "-c", "pass"], restart=False))
    assert supervisor.wait(threading.Event()) is once
    supervisor.stop()


def test_given_a_child_that_ignores_sigterm_when_stopping_then_it_is_killed_within_the_grace():
    supervisor = Supervisor(grace=1.0, say=lambda _: None)
    stubborn = supervisor.start(
        Process(
            "stubborn",
            [PYTHON, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"],
        )
    )
    polite = supervisor.start(Process("polite", [PYTHON, "-c", "import time; time.sleep(60)"]))
    time.sleep(0.5)  # both have installed their handlers
    started = time.monotonic()
    supervisor.stop()
    took = time.monotonic() - started

    assert took < 2.5
    assert not stubborn.running and not polite.running


def test_given_a_supervisor_killed_with_sigkill_then_its_children_die_with_it(tmp_path):
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(
        f"""
        import threading
        from stack.supervisor import Process, Supervisor
        supervisor = Supervisor(say=print)
        child = supervisor.start(Process("sleeper", [{PYTHON!r}, "-c", "import time; time.sleep(120)"]))
        open({str(pid_file)!r}, "w").write(str(child.popen.pid))
        supervisor.wait(threading.Event())
        """
    )
    outer = subprocess.Popen([PYTHON, "-c", script], cwd=os.getcwd())
    try:
        child_pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text(), 20, what="the child"))
        assert pid_alive(child_pid)
        outer.send_signal(signal.SIGKILL)
        outer.wait(5)
        wait_until(lambda: not pid_alive(child_pid), 5, what="the orphaned child to die")
    finally:
        if outer.poll() is None:
            outer.kill()
