"""Faults injected into a real Berth stack, each returning what was seen and how long healing took:
tests/integration/test_faults.py asserts on them, bench/faults.py prints them.

Only processes the caller owns are hurt: a FaultStack runs on a Redis of its own (RedisServer),
so stopping Redis never touches the shared one; the web process and the portal worker killed are
the FaultStack's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import requests
import websockets

from stack.commands import portal_worker_command, web_command
from tests.support.aio import run_async
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.operations import call, container_named, finished
from tests.support.processes import BerthProcess, Stack, wait_until
from tests.support.redis_server import RedisServer

__all__ = [
    "EngineOutage",
    "FaultStack",
    "HostWorkerKill",
    "PortalWorkerKill",
    "RedisOutage",
    "WebKill",
    "engine_gone_and_back",
    "kill_host_worker_mid_operation",
    "kill_portal_worker",
    "kill_web_with_terminal_open",
    "private_fault_stack",
    "stop_redis",
]

# Terminal sessions of a web process gone are ended after this many seconds (60 in production,
# BERTH_TERMINAL_ORPHANED_AFTER): short here, so the sweep is seen within a test.
ORPHANED_AFTER = 4


@dataclass
class FaultStack(Stack):
    """A Stack whose every process (restarted ones too) gets `extra_env`."""

    extra_env: dict[str, str] = field(default_factory=lambda: {"BERTH_TERMINAL_ORPHANED_AFTER": str(ORPHANED_AFTER)})

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(**{**self.extra_env, **extra})

    def process(self, name: str) -> BerthProcess:
        return next(p for p in reversed(self.processes) if p.name == name and p.alive())

    def restart_web(self) -> None:
        self.spawn("web", web_command("127.0.0.1", self.port, proxy_headers=False), self.env())
        wait_until(lambda: requests.get(f"{self.base_url}/login/", timeout=2).ok, 30, what="the new web process")

    def restart_portal_worker(self) -> None:
        self.spawn("portal-worker", portal_worker_command(f"portal-{self.port}@%h"), self.env())


@contextlib.contextmanager
def private_fault_stack(tmp_path_factory, prefix: str):
    """(stack, redis_server, host): a FaultStack on a redis-server of its own, and a host worker on
    the local engine, online; all stopped, and what the tests made removed, after."""
    redis_server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    stack = FaultStack(data_dir=tmp_path_factory.mktemp(f"berth-{prefix}"), redis_url=redis_server.url).start()
    try:
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        stack.host_worker(name)
        yield stack, redis_server, stack.wait_for_host(name, "online", timeout=20)
    finally:
        stack.stop()
        redis_server.stop()
        remove_test_objects()


def ws_url(stack: Stack, path: str) -> str:
    return f"ws://127.0.0.1:{stack.port}{path}?token={stack.token}"


async def connect(stack: Stack, path: str):
    return await websockets.connect(ws_url(stack, path), origin=stack.base_url, open_timeout=10, max_size=None)


async def first_text(socket, timeout: float = 15) -> dict:
    """The first JSON control message (terminal output before it is skipped)."""
    while True:
        frame = await asyncio.wait_for(socket.recv(), timeout)
        if isinstance(frame, str):
            return json.loads(frame)


async def close_code(socket, timeout: float) -> int | None:
    """How the server closed `socket` (reading whatever came before); None: no close frame (1006)."""
    try:
        while True:
            await asyncio.wait_for(socket.recv(), timeout)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def try_socket(stack: Stack, path: str) -> tuple[str, object]:
    """("open", first message) or how it was refused: ("close", code) or ("http", status)."""
    try:
        socket = await connect(stack, path)
    except websockets.InvalidStatus as refused:
        return "http", refused.response.status_code
    except (OSError, TimeoutError) as exc:
        return "error", repr(exc)
    try:
        return "open", await first_text(socket, 10)
    except websockets.ConnectionClosed as closed:
        return "close", closed.rcvd.code if closed.rcvd else None
    finally:
        await socket.close()


def run_labelled(name: str, *command: str) -> None:
    docker("run", "-d", "--label", TEST_LABEL, "--name", name, IMAGE, *(command or ("sleep", "3600")))


def seconds_since(when: float) -> float:
    return round(time.monotonic() - when, 2)


# -- Redis stopped and started again ---------------------------------------------------------------


@dataclass
class RedisOutage:
    closes: dict[str, int | None]  # socket → close code when Redis stopped (None: 1006)
    during: tuple[str, object]  # a new events socket opened while Redis was down
    host_back: float  # seconds from Redis started to the host online again
    first_terminal: list[tuple[str, object]]  # each try at a terminal after Redis came back
    terminal_back: float  # seconds from Redis started to a terminal that echoes
    operation: dict  # the operation in flight when Redis stopped, at its end
    operation_end: float  # seconds from Redis started to its end
    container_state: str  # what the inventory says of the container it stopped
    engine_state: str  # what the engine says


def stop_redis(
    stack: Stack, redis_server: RedisServer, host: dict, shell: dict, victim: dict, seconds: float = 10
) -> RedisOutage:
    """With an events, a terminal (on `shell`) and an operation socket open and an operation in
    flight (stopping `victim`, which ignores SIGTERM, with a 5 s timeout), Redis is stopped for
    `seconds`, then started again (with what it saved, as a restart would)."""
    return run_async(_stop_redis(stack, redis_server, host, shell, victim, seconds))


async def _stop_redis(stack, redis_server, host, shell, victim, seconds) -> RedisOutage:
    events = await connect(stack, "/ws/events/")
    assert (await first_text(events))["type"] == "hello"
    terminal = await connect(stack, f"/ws/containers/{shell['id']}/terminal/")
    assert (await first_text(terminal))["type"] == "ready"
    stopping = call(stack, "POST", f"/api/v1/containers/{victim['id']}/stop/", json={"timeout": 5})
    assert stopping.status_code == 202, stopping.text
    operation = stopping.json()
    await asyncio.to_thread(
        wait_until,
        lambda: call(stack, "GET", f"/api/v1/operations/{operation['id']}/").json()["state"] == "running",
        15,
        what="the stop to run",
    )
    following = await connect(stack, f"/ws/operations/{operation['id']}/")
    assert (await first_text(following))["type"] == "operation"

    sockets = {"events": events, "terminal": terminal, "operation": following}
    watching = {name: asyncio.ensure_future(close_code(socket, 30)) for name, socket in sockets.items()}
    stopped = time.monotonic()
    await asyncio.to_thread(redis_server.stop)
    await asyncio.wait(watching.values(), timeout=5)
    closes = {name: task.result() if task.done() else "open" for name, task in watching.items()}
    for task in watching.values():
        task.cancel()
    during = await try_socket(stack, "/ws/events/")
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - stopped)))

    await asyncio.to_thread(redis_server.start)
    back, back_wall = time.monotonic(), datetime.now().astimezone()

    def host_online():
        found = stack.host(host["slug"])
        seen = found and found["last_seen"] and datetime.fromisoformat(found["last_seen"].replace("Z", "+00:00"))
        return found["status"] == "online" and seen and seen >= back_wall

    await asyncio.to_thread(wait_until, host_online, 30, 0.1, "the host to be online after Redis came back")
    host_back = seconds_since(back)

    tries = []
    while time.monotonic() - back < 30:
        outcome = await try_terminal(stack, shell)
        tries.append(outcome)
        if outcome[0] == "echoed":
            break
        await asyncio.sleep(0.2)
    terminal_back = seconds_since(back)

    ended = await asyncio.to_thread(finished, stack, operation, 30)
    operation_end = seconds_since(back)
    row = await asyncio.to_thread(container_named, stack, host["id"], victim["name"], None, 5)
    return RedisOutage(
        closes=closes,
        during=during,
        host_back=host_back,
        first_terminal=tries,
        terminal_back=terminal_back,
        operation=ended,
        operation_end=operation_end,
        container_state=row["state"],
        engine_state=docker("inspect", "-f", "{{.State.Status}}", victim["name"]),
    )


async def try_terminal(stack: Stack, container: dict) -> tuple[str, object]:
    """("echoed", seconds) when a terminal opens and echoes, else how it was refused."""
    started = time.monotonic()
    try:
        socket = await connect(stack, f"/ws/containers/{container['id']}/terminal/")
    except websockets.InvalidStatus as refused:
        return "http", refused.response.status_code
    try:
        if (await first_text(socket, 10))["type"] != "ready":
            return "no ready", None
        await socket.send(b"echo fault-$((6*7))\n")
        output = b""
        while b"fault-42" not in output:
            frame = await asyncio.wait_for(socket.recv(), 10)
            output += frame if isinstance(frame, bytes) else b""
        return "echoed", seconds_since(started)
    except websockets.ConnectionClosed as closed:
        return "close", closed.rcvd.code if closed.rcvd else None
    finally:
        await socket.close()


# -- the web process SIGKILLed with a terminal open ------------------------------------------------


@dataclass
class WebKill:
    web_back: float  # seconds from the kill to a new web process answering
    exec_gone: float  # seconds from the kill to the terminal's shell gone from the container
    session_closed: float  # seconds from the kill to its session record ended
    session: dict


def kill_web_with_terminal_open(stack: FaultStack, shell: dict) -> WebKill:
    return run_async(_kill_web(stack, shell))


async def _kill_web(stack: FaultStack, shell: dict) -> WebKill:
    socket = await connect(stack, f"/ws/containers/{shell['id']}/terminal/")
    session = (await first_text(socket))["session"]
    await socket.send(b"echo pid=$$.\n")
    output = b""
    while not (found := re.search(rb"pid=(\d+)\.", output)):
        frame = await asyncio.wait_for(socket.recv(), 10)
        output += frame if isinstance(frame, bytes) else b""
    pid = found.group(1).decode()

    # The terminal stays open in this loop while its web process dies under it.
    killed = time.monotonic()
    await asyncio.to_thread(stack.process("web").stop, signal.SIGKILL)
    await asyncio.to_thread(stack.restart_web)
    web_back = seconds_since(killed)

    def shell_gone():
        probe = ["docker", "exec", shell["name"], "kill", "-0", pid]
        return subprocess.run(probe, capture_output=True, check=False).returncode != 0

    def session_ended():
        row = call(stack, "GET", f"/api/v1/sessions/{session}/").json()
        return row if row["ended_at"] else None

    # Both watched at once: each has its own clock (the worker's peer timeout, the sweep).
    exec_gone = session_closed = record = None
    while (exec_gone is None or record is None) and time.monotonic() - killed < 60:
        if exec_gone is None and await asyncio.to_thread(shell_gone):
            exec_gone = seconds_since(killed)
        if record is None and (record := await asyncio.to_thread(session_ended)):
            session_closed = seconds_since(killed)
        await asyncio.sleep(0.2)
    assert exec_gone is not None and record is not None, f"shell gone after {exec_gone} s, record {record}"
    with contextlib.suppress(Exception):
        await socket.close()
    return WebKill(web_back, exec_gone, session_closed, record)


# -- the portal worker SIGKILLed while changes happen ----------------------------------------------


@dataclass
class PortalWorkerKill:
    converged: float  # seconds from the new portal worker's start to the API matching the engine
    made: int  # containers created or removed around the kill
    listed: set[str] = field(default_factory=set)


def kill_portal_worker(stack: FaultStack, host: dict, prefix: str, changes: int = 6) -> PortalWorkerKill:
    """Half the changes before the kill (their reports queued or in the worker's hands), the rest
    while no portal worker runs; then a new one starts, and the API must match the engine."""
    names = [f"{prefix}-{n}" for n in range(changes)]
    for name in names[: changes // 2]:
        docker("create", "--label", TEST_LABEL, "--name", name, IMAGE, "true")
    stack.process("portal-worker").stop(signal.SIGKILL)
    for name in names[changes // 2 :]:
        docker("create", "--label", TEST_LABEL, "--name", name, IMAGE, "true")
    docker("rm", names[0])
    started = time.monotonic()
    stack.restart_portal_worker()
    wanted = set(names[1:])

    def listed():
        rows = call(stack, "GET", "/api/v1/containers/", params={"host": host["id"], "q": prefix}).json()["results"]
        return {r["name"] for r in rows if r["name"].startswith(prefix)}

    wait_until(lambda: listed() == wanted, 90, 0.2, f"the containers to be {sorted(wanted)}")
    return PortalWorkerKill(seconds_since(started), changes + 1, listed())


def labelled_container(stack: Stack, host: dict, name: str, *command: str) -> dict:
    run_labelled(name, *command)
    return container_named(stack, host["id"], name, "running", 15)


# -- a host worker SIGKILLed mid-operation ---------------------------------------------------------


@dataclass
class HostWorkerKill:
    operation: dict  # the operation it was running, at its end
    operation_end: float  # seconds from the kill to the operation's definite end
    converged: float  # seconds from a new worker's start to the container's state right in the API
    container_state: str
    engine_state: str


def kill_host_worker_mid_operation(
    stack: Stack, worker: BerthProcess, host: dict, victim: dict, replace_at_once: bool = False
) -> HostWorkerKill:
    """Stops `victim` (which ignores SIGTERM) with a 5 s timeout, SIGKILLs the host worker while
    the engine waits, then starts another worker for the host: once the operation has ended (the
    host judged lost), or, with `replace_at_once`, right after the kill (as a supervisor would)."""
    stopping = call(stack, "POST", f"/api/v1/containers/{victim['id']}/stop/", json={"timeout": 5})
    assert stopping.status_code == 202, stopping.text
    operation = stopping.json()
    wait_until(
        lambda: call(stack, "GET", f"/api/v1/operations/{operation['id']}/").json()["state"] == "running",
        15,
        what="the stop to run",
    )
    killed = time.monotonic()
    worker.stop(signal.SIGKILL)
    if replace_at_once:
        started = time.monotonic()
        stack.host_worker(host["name"])
    ended = finished(stack, operation, 60)
    operation_end = seconds_since(killed)
    if not replace_at_once:
        started = time.monotonic()
        stack.host_worker(host["name"])
    engine_state = docker("inspect", "-f", "{{.State.Status}}", victim["name"])
    row = container_named(stack, host["id"], victim["name"], engine_state, 60)
    return HostWorkerKill(ended, operation_end, seconds_since(started), row["state"], engine_state)


# -- the engine gone and back (its dockerd restarted) ----------------------------------------------


@dataclass
class EngineOutage:
    unreachable: float  # seconds from the engine gone to the host saying so
    reachable: float  # seconds from the engine back to the host saying so
    exact: float  # seconds from the engine back to the inventory matching it


def engine_gone_and_back(stack: Stack, proxy, host: dict, prefix: str, seconds: float = 5) -> EngineOutage:
    """`proxy` (a tests.support.socket_proxy.UnixSocketProxy) is the host's engine socket: it
    vanishes for `seconds` while a container is removed and another created."""
    kept, removed, added = (f"{prefix}-{suffix}" for suffix in ("kept", "removed", "added"))
    for name in (kept, removed):
        docker("create", "--label", TEST_LABEL, "--name", name, IMAGE, "true")
    container_named(stack, host["id"], removed)
    gone = time.monotonic()
    proxy.stop()
    stack.wait_for_host(host["slug"], "online", timeout=30, engine_reachable=False)
    unreachable = seconds_since(gone)
    docker("rm", removed)
    docker("create", "--label", TEST_LABEL, "--name", added, IMAGE, "true")
    time.sleep(max(0.0, seconds - (time.monotonic() - gone)))
    back = time.monotonic()
    proxy.start()
    stack.wait_for_host(host["slug"], "online", timeout=30, engine_reachable=True)
    reachable = seconds_since(back)

    def listed():
        rows = call(stack, "GET", "/api/v1/containers/", params={"host": host["id"], "q": prefix}).json()["results"]
        return {r["name"] for r in rows}

    wait_until(lambda: listed() == {kept, added}, 30, 0.1, "the inventory to match the engine")
    return EngineOutage(unreachable, reachable, seconds_since(back))
