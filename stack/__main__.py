"""`python -m stack` (what `make run` runs): Redis, migrations, the first admin, then web,
the portal worker and a host worker for the local Docker engine, in the foreground. Everything
it and they write is owner-only (stack/private_files.py)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import requests

from engine import Engine, EngineUnavailable
from stack.commands import portal_worker_command, web_command
from stack.private_files import keep_private
from stack.redis_service import (
    RedisProblem,
    local_redis_command,
    private_redis_users,
    redis_answers,
    wait_for_redis,
)
from stack.supervisor import Process, Supervisor
from wire.names import host_slug

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def say(message: str) -> None:
    print(f"berth        | {message}", flush=True)


def manage(*args: str) -> str:
    result = subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"`manage.py {' '.join(args)}` failed; see above.")
    return result.stdout.strip()


def web_processes() -> int:
    """BERTH_WEB_PROCESSES, or one web process per core."""
    wanted = os.environ.get("BERTH_WEB_PROCESSES", "")
    try:
        return max(1, int(wanted)) if wanted else max(1, os.cpu_count() or 1)
    except ValueError:
        raise SystemExit(f"BERTH_WEB_PROCESSES must be a number of processes, not {wanted!r}.") from None


def listening_socket(bind: str, port: str, shared: bool = False) -> socket.socket:
    """A listening socket on the web port, inherited by a web process. `shared`: one of several
    on the same port (SO_REUSEPORT), one per web process: the kernel then spreads new
    connections evenly over them. (One socket inherited by every process let whichever process
    woke first take each connection: with keep-alive clients one process served most of them
    while the other idled, bench/containers_list.py.)"""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # Accepted connections inherit it. Uvicorn takes an inherited socket (`--fd`) for a Unix one and
    # sets no TCP_NODELAY itself: an answer's body then waited ~40 ms behind its headers for the
    # client's delayed ACK (Nagle), on every request (bench/containers_list.py).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((bind, int(port)))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"Cannot listen on {bind}:{port} ({exc.strerror}): set BERTH_PORT to a free port.") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def listening_sockets(bind: str, port: str, count: int) -> list[socket.socket]:
    """One listening socket per web process on the same port (`port` "0": a free one, the same for
    all). A restarted web process gets its predecessor's socket: connections the kernel gave it
    meanwhile wait in its queue."""
    if count == 1:
        return [listening_socket(bind, port)]
    first = listening_socket(bind, port, shared=True)
    chosen = str(first.getsockname()[1])
    return [first, *(listening_socket(bind, chosen, shared=True) for _ in range(count - 1))]


def wait_for_web(bind: str, port: str, stop: threading.Event, timeout: float = 60.0) -> bool:
    """Whether the web process answers HTTP on the port within `timeout` (the login page)."""
    address = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(bind, f"[{bind}]" if ":" in bind else bind)  # noqa: S104
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        try:
            if requests.get(f"http://{address}:{port}/login/", timeout=2).status_code < 500:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def main() -> int:
    port = os.environ.get("BERTH_PORT", "8000")
    bind = os.environ.get("BERTH_BIND", "0.0.0.0")  # noqa: S104 (a portal is meant to be reached)
    data_dir = Path(os.environ.get("BERTH_DATA_DIR", ROOT / "var")).resolve()
    given_redis_url = os.environ.get("REDIS_URL")
    redis_url = given_redis_url or "redis://127.0.0.1:6379/0"
    os.environ["BERTH_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    # For people: each process says in one line when it is ready, then only warnings and errors
    # (BERTH_LOG_LEVEL=INFO shows everything, request lines included).
    os.environ.setdefault("BERTH_LOG_LEVEL", "WARNING")
    private = [data_dir]
    if recordings := os.environ.get("BERTH_RECORDINGS_DIR"):
        private.append(Path(recordings).resolve())
    for problem in keep_private(*private):
        say(f"warning: could not make {problem} (it stays readable by others)")

    supervisor = Supervisor(say=say)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    if redis_answers(redis_url):
        say(f"Redis answers at {redis_url}")
    else:
        acl_file = None
        if not given_redis_url:  # our own Redis: a password, and the users in the data directory
            password, acl_file = private_redis_users(data_dir / "redis")
            redis_url = f"redis://:{quote(password, safe='')}@127.0.0.1:6379/0"
        try:
            command = local_redis_command(redis_url, data_dir / "redis", acl_file)
        except RedisProblem as exc:
            say(f"error: {exc}")
            return 1
        supervisor.start(Process("redis", command, stop_last=True))
        if not wait_for_redis(redis_url):
            supervisor.stop()
            say(f"error: started redis-server for {redis_url}, but it did not answer; see its output above.")
            return 1
        say(f"Started Redis at {redis_url.split('@')[-1]}" + (" (its users in redis/users.acl)" if acl_file else ""))
    os.environ["REDIS_URL"] = redis_url

    say("Migrating the database…")
    manage("migrate", "--noinput")
    login = manage("ensure_admin")

    docker_host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    host_name = os.environ.get("BERTH_LOCAL_HOST_NAME") or socket.gethostname()
    engine_problem = ""
    try:
        Engine(docker_host, timeout=3).ping()
        # Enrolled afresh each start (its earlier credentials stop working), like any host.
        enrollment = json.loads(manage("enroll_host", host_name))
        if enrollment["warning"]:
            say(f"warning: {enrollment['warning']}")
    except EngineUnavailable as exc:
        engine_problem = (
            f"{exc}. The portal runs without a local host; start Docker and a host worker "
            f"(python -m workers --name {host_name}), or restart `make run`."
        )

    count = web_processes()
    listeners = listening_sockets(bind, port, count)  # held open here for restarts
    for number, listener in enumerate(listeners, start=1):
        supervisor.start(
            Process(
                "web" if count == 1 else f"web-{number}",
                web_command(bind, port, fd=listener.fileno()),
                env={"BERTH_LOCAL_ENGINE_PROBLEM": engine_problem},
                pass_fds=(listener.fileno(),),
            )
        )
    supervisor.start(
        Process(
            "portal-worker",
            portal_worker_command("portal@%h"),
        )
    )
    if engine_problem:
        say(f"warning: {engine_problem}")
    else:
        supervisor.start(
            Process(
                "host-worker",
                [PYTHON, "-m", "workers", "--name", host_slug(host_name)],
                env={"DOCKER_HOST": docker_host, **enrollment["env"]},
            )
        )

    if not wait_for_web(bind, port, stop):
        if stop.is_set():
            say("Stopping…")
            supervisor.stop()
            say("Stopped.")
            return 0
        say("error: the web process did not answer within 60 s; see its output above.")
        supervisor.stop()
        return 1
    shown = "localhost" if bind in ("0.0.0.0", "::") else bind  # noqa: S104
    say("")
    say(f"Berth is up: http://{shown}:{port}/ ({count} web process{'es' if count > 1 else ''} answering)")
    say(login)
    say("Press Ctrl-C to stop.")
    say("")

    exited = supervisor.wait(stop)
    if exited is not None:
        say(f"error: {exited.name} exited with code {exited.popen.returncode}; stopping the rest.")
    else:
        say("Stopping…")
    supervisor.stop()
    say("Stopped.")
    return 1 if exited is not None else 0


if __name__ == "__main__":
    sys.exit(main())
