"""Run several processes in the foreground, their output prefixed; restart the ones that crash,
and stop them all within a bounded time.

Children run in sessions of their own (so Ctrl-C reaches only the supervisor, which then stops
them in order) and are told by the kernel to die with it (PR_SET_PDEATHSIG): a supervisor killed
with SIGKILL leaves no process behind holding the port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Process", "Supervisor"]

COLORS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]
RESET = "\033[0m"
PR_SET_PDEATHSIG = 1
# A process that ran this long before it crashed starts its backoff afresh.
HEALTHY_AFTER = 60.0
BACKOFF_FIRST, BACKOFF_MOST = 1.0, 30.0


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: its own session, and SIGKILL when we die."""
    os.setsid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # The supervisor may have died between fork and prctl: then nobody would kill us later.
    if os.getppid() == 1:
        os._exit(1)


@dataclass
class Process:
    """One supervised command. `restart` says whether a crash restarts it (with backoff) rather
    than stopping the stack; `stop_last` processes (Redis) are stopped after all the others."""

    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    restart: bool = True
    stop_last: bool = False
    pass_fds: tuple[int, ...] = ()
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 0.0  # the next restart's wait; 0 until the first crash
    restart_at: float | None = None

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


class Supervisor:
    """Starts processes, relays their output, restarts crashed ones and stops them all: SIGTERM
    to every process at once (stop_last ones after), then SIGKILL to whatever is left when the
    grace period is over, so the whole stop takes at most about `grace` seconds."""

    def __init__(self, grace: float = 8.0, say: Callable[[str], None] | None = None):
        self.grace = grace
        self.processes: list[Process] = []
        self._lock = threading.Lock()
        self._color = sys.stdout.isatty()
        self._say = say or (lambda message: print(message, flush=True))

    def _prefix(self, index: int, name: str) -> str:
        label = f"{name:<13}|"
        return f"{COLORS[index % len(COLORS)]}{label}{RESET} " if self._color else f"{label} "

    def _relay(self, index: int, process: Process, popen: subprocess.Popen) -> None:
        prefix = self._prefix(index, process.name)
        for line in iter(popen.stdout.readline, b""):
            if not line.strip():  # the blank lines some print around their messages
                continue
            with self._lock:
                sys.stdout.write(prefix + line.decode(errors="replace"))
                sys.stdout.flush()

    def _spawn(self, process: Process, index: int) -> None:
        process.popen = subprocess.Popen(
            process.command,
            env={**os.environ, **process.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
            pass_fds=process.pass_fds,
        )
        process.started_at = time.monotonic()
        process.restart_at = None
        threading.Thread(target=self._relay, args=(index, process, process.popen), daemon=True).start()

    def start(self, process: Process) -> Process:
        """Start `process`; call from the main thread (the death signal follows the thread that forked)."""
        self.processes.append(process)
        self._spawn(process, len(self.processes) - 1)
        return process

    def first_exited(self) -> Process | None:
        return next((p for p in self.processes if p.popen is not None and p.popen.poll() is not None), None)

    def _heal(self) -> Process | None:
        """Schedule and perform restarts; a process that may not restart is returned."""
        now = time.monotonic()
        for index, process in enumerate(self.processes):
            if process.running:
                continue
            if process.restart_at is None:
                if not process.restart:
                    return process
                if not process.backoff or now - process.started_at >= HEALTHY_AFTER:
                    process.backoff = BACKOFF_FIRST
                self._say(
                    f"{process.name} exited with code {process.popen.returncode}; "
                    f"restarting it in {process.backoff:.0f} s"
                )
                process.restart_at = now + process.backoff
                process.backoff = min(process.backoff * 2, BACKOFF_MOST)
            elif now >= process.restart_at:
                process.restarts += 1
                self._spawn(process, index)
                self._say(f"{process.name} restarted (restart {process.restarts})")
        return None

    def wait(self, should_stop: threading.Event) -> Process | None:
        """Block until asked to stop (returns None) or a process that may not restart exits
        (returns it). Crashed processes are restarted meanwhile, from this (the main) thread."""
        while not should_stop.wait(0.25):
            if (exited := self._heal()) is not None:
                return exited
        return None

    def _terminate(self, processes: list[Process], deadline: float) -> None:
        for process in processes:
            if process.running:
                process.popen.send_signal(signal.SIGTERM)
        while any(p.running for p in processes) and time.monotonic() < deadline:
            time.sleep(0.05)
        for process in processes:
            if process.running:
                self._say(f"{process.name} did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()

    def stop(self) -> None:
        started = time.monotonic()
        first = [p for p in self.processes if not p.stop_last]
        last = [p for p in self.processes if p.stop_last]
        self._terminate(first, started + self.grace)
        self._terminate(last, max(time.monotonic() + 1.0, started + self.grace))
