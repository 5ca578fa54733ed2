"""Run several processes in the foreground, their output prefixed, and stop them in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

__all__ = ["Process", "Supervisor"]

COLORS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]
RESET = "\033[0m"


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen | None = None


class Supervisor:
    """Starts processes in their own sessions (so Ctrl-C reaches only us), relays their output,
    and on stop sends SIGTERM in reverse start order, then SIGKILL after a grace period."""

    def __init__(self, grace: float = 15.0):
        self.grace = grace
        self.processes: list[Process] = []
        self._lock = threading.Lock()
        self._color = sys.stdout.isatty()

    def _prefix(self, index: int, name: str) -> str:
        label = f"{name:<13}|"
        return f"{COLORS[index % len(COLORS)]}{label}{RESET} " if self._color else f"{label} "

    def _relay(self, index: int, process: Process) -> None:
        prefix = self._prefix(index, process.name)
        for line in iter(process.popen.stdout.readline, b""):
            with self._lock:
                sys.stdout.write(prefix + line.decode(errors="replace"))
                sys.stdout.flush()

    def start(self, process: Process) -> Process:
        process.popen = subprocess.Popen(
            process.command,
            env={**os.environ, **process.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        index = len(self.processes)
        self.processes.append(process)
        threading.Thread(target=self._relay, args=(index, process), daemon=True).start()
        return process

    def first_exited(self) -> Process | None:
        return next((p for p in self.processes if p.popen.poll() is not None), None)

    def wait(self, should_stop: threading.Event) -> Process | None:
        """Block until asked to stop (returns None) or a process exits (returns it)."""
        while not should_stop.wait(0.5):
            if (exited := self.first_exited()) is not None:
                return exited
        return None

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
                deadline = time.monotonic() + self.grace
                while process.popen.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.1)
                if process.popen.poll() is None:
                    print(f"{process.name} did not stop within {self.grace:.0f} s; killing it", flush=True)
                    os.killpg(process.popen.pid, signal.SIGKILL)
                    process.popen.wait()
