"""Interactive exec and attach on one engine: the blocking half (SDK calls: create, resize,
inspect, end) for a caller to run off its event loop, and the API paths for the raw streams
(engine.upgraded). Plain Python, no Django.

Ending an exec: the engine has no "kill exec" call, and closing the stream does not end a
process that has a TTY. `end_exec_process` signals the exec's process by its host pid, after
checking from /proc that the pid belongs to the container (the host worker runs on its
engine's machine as root). Where that is not possible (an engine on another machine, no
access to /proc) the caller falls back to closing the process's stdin, which ends a shell
(it reads end-of-file) but not a program that ignores its input; that case is logged.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass

import docker.errors

from engine.client import Engine, EngineUnavailable

__all__ = [
    "DEFAULT_SHELLS",
    "ExecNotPossible",
    "ExecState",
    "attach_path",
    "container_exit_code",
    "create_exec",
    "end_exec_process",
    "exec_start_path",
    "inspect_exec",
    "pid_in_container",
    "resize_container_tty",
    "resize_exec",
    "running_container",
    "supports_console_size",
]

DEFAULT_SHELLS = ("/bin/bash", "/bin/sh")


class ExecNotPossible(Exception):
    """A sentence for the user: the container is gone or stopped, the command does not exist, …"""


@dataclass
class ExecState:
    running: bool
    exit_code: int | None
    pid: int


def supports_console_size(api_version: str) -> bool:
    """ConsoleSize on exec create exists from API 1.42 (Docker 23)."""
    major, _, minor = api_version.partition(".")
    return (int(major), int(minor or 0)) >= (1, 42)


def running_container(engine: Engine, container: str) -> dict:
    """The container's inspect body; ExecNotPossible when it is gone or not running."""
    try:
        data = engine._call("inspect_container", container)
    except docker.errors.NotFound:
        raise ExecNotPossible("This container no longer exists.") from None
    state = data.get("State") or {}
    if not state.get("Running") or state.get("Paused"):
        status = "paused" if state.get("Paused") else state.get("Status", "stopped")
        raise ExecNotPossible(f"The container is not running ({status}).")
    return data


def _path_exists(engine: Engine, container: str, path: str) -> bool:
    return engine.head("/containers/{0}/archive", container, params={"path": path}) == 200


def default_command(engine: Engine, container: str) -> list[str]:
    """The first of /bin/bash, /bin/sh that exists in the container."""
    for shell in DEFAULT_SHELLS:
        if _path_exists(engine, container, shell):
            return [shell]
    raise ExecNotPossible("Neither /bin/bash nor /bin/sh exists in this container: name a command.")


def create_exec(
    engine: Engine, container: str, command: list[str] | None, user: str = "", cols: int = 80, rows: int = 24
) -> tuple[str, list[str], str]:
    """Creates an interactive TTY exec; returns (exec id, the command, the API version).
    The size is given at create where the API allows (ConsoleSize), else the caller resizes
    right after start, before forwarding any byte."""
    api_version = engine.api_version()
    command = command or default_command(engine, container)
    body = {
        "AttachStdin": True,
        "AttachStdout": True,
        "AttachStderr": True,
        "Tty": True,
        "Cmd": command,
        "Env": ["TERM=xterm-256color", "COLORTERM=truecolor"],
    }
    if user:
        body["User"] = user
    if supports_console_size(api_version):
        body["ConsoleSize"] = [rows, cols]
    try:
        result = engine.post_json("/containers/{0}/exec", container, body=body)
    except docker.errors.NotFound:
        raise ExecNotPossible("This container no longer exists.") from None
    except docker.errors.APIError as exc:
        if exc.status_code == 409:
            raise ExecNotPossible("The container is not running.") from None
        raise ExecNotPossible(f"The engine refused the command: {exc.explanation or exc}") from None
    return result["Id"], command, api_version


def exec_start_path(api_version: str, exec_id: str) -> tuple[str, dict]:
    return f"/v{api_version}/exec/{exec_id}/start", {"Detach": False, "Tty": True}


def attach_path(api_version: str, container: str) -> str:
    return f"/v{api_version}/containers/{container}/attach?stream=1&stdin=1&stdout=1&stderr=1"


def resize_exec(engine: Engine, exec_id: str, cols: int, rows: int, wait: float = 1.0) -> None:
    """Sets the exec's TTY size. Right after start the engine may not have started the process
    yet ("cannot resize a stopped container"): that is retried for up to `wait` seconds. A
    process that has ended has nothing left to resize."""
    deadline = time.monotonic() + wait
    while True:
        try:
            engine._call("exec_resize", exec_id, height=rows, width=cols)
            return
        except docker.errors.APIError:
            return
        except EngineUnavailable as exc:
            if "stopped" in str(exc) and time.monotonic() < deadline:
                time.sleep(0.02)
                continue
            state = inspect_exec(engine, exec_id)
            if state is None or not state.running:
                return
            raise


def resize_container_tty(engine: Engine, container: str, cols: int, rows: int) -> None:
    with contextlib.suppress(docker.errors.APIError):
        engine._call("resize", container, height=rows, width=cols)


def inspect_exec(engine: Engine, exec_id: str) -> ExecState | None:
    try:
        data = engine._call("exec_inspect", exec_id)
    except docker.errors.NotFound:
        return None
    return ExecState(running=bool(data.get("Running")), exit_code=data.get("ExitCode"), pid=int(data.get("Pid") or 0))


def exec_exit_code(engine: Engine, exec_id: str, wait: float = 2.0) -> int | None:
    """The exec's exit code once the engine recorded it (it may lag the end of the stream)."""
    deadline = time.monotonic() + wait
    while True:
        state = inspect_exec(engine, exec_id)
        if state is None:
            return None
        if not state.running or time.monotonic() > deadline:
            return state.exit_code if not state.running else None
        time.sleep(0.02)


def container_exit_code(engine: Engine, container: str, wait: float = 2.0) -> int | None:
    """The container's exit code once it stopped, or None while it runs (or is gone)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            state = engine._call("inspect_container", container).get("State") or {}
        except (docker.errors.NotFound, EngineUnavailable):
            return None
        if not state.get("Running"):
            return state.get("ExitCode")
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def pid_in_container(pid: int, container_id: str, proc: str = "/proc") -> bool:
    """Whether host pid `pid` runs in the container (its cgroup path names the container id)."""
    if pid <= 0 or not container_id:
        return False
    try:
        with open(f"{proc}/{pid}/cgroup") as handle:
            return container_id in handle.read()
    except OSError:
        return False


def end_exec_process(engine: Engine, exec_id: str, container_id: str, grace: float = 1.0) -> str:
    """Ends the exec's process: "ended" (it had already), "signalled", or "unverifiable" (the
    caller falls back to closing stdin)."""
    state = inspect_exec(engine, exec_id)
    if state is None or not state.running:
        return "ended"
    if not pid_in_container(state.pid, container_id):
        return "unverifiable"
    for signum, wait in ((signal.SIGHUP, grace), (signal.SIGKILL, 0)):
        try:
            os.kill(state.pid, signum)
        except ProcessLookupError:
            return "signalled"
        except PermissionError:
            return "unverifiable"
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            current = inspect_exec(engine, exec_id)
            if current is None or not current.running:
                return "signalled"
            time.sleep(0.05)
        if not pid_in_container(state.pid, container_id):
            return "signalled"
    return "signalled"
