"""`python -m stack` (what `make run` runs): Redis, migrations, the first admin, then web,
the portal worker and a host worker for the local Docker engine, in the foreground."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from engine import Engine, EngineUnavailable
from stack.commands import portal_worker_command, web_command
from stack.redis_service import RedisProblem, local_redis_command, redis_answers, wait_for_redis
from stack.supervisor import Process, Supervisor

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


def main() -> int:
    port = os.environ.get("BERTH_PORT", "8000")
    bind = os.environ.get("BERTH_BIND", "0.0.0.0")  # noqa: S104 (a portal is meant to be reached)
    data_dir = Path(os.environ.get("BERTH_DATA_DIR", ROOT / "var")).resolve()
    redis_url = os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["BERTH_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    data_dir.mkdir(parents=True, exist_ok=True)

    supervisor = Supervisor()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    if redis_answers(redis_url):
        say(f"Redis answers at {redis_url}")
    else:
        try:
            command = local_redis_command(redis_url, data_dir / "redis")
        except RedisProblem as exc:
            say(f"error: {exc}")
            return 1
        supervisor.start(Process("redis", command))
        if not wait_for_redis(redis_url):
            supervisor.stop()
            say(f"error: started redis-server for {redis_url}, but it did not answer; see its output above.")
            return 1
        say(f"Started Redis at {redis_url}")

    say("Migrating the database…")
    manage("migrate", "--noinput")
    login = manage("ensure_admin")

    docker_host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    host_name = os.environ.get("BERTH_LOCAL_HOST_NAME") or socket.gethostname()
    engine_problem = ""
    try:
        Engine(docker_host, timeout=3).ping()
    except EngineUnavailable as exc:
        engine_problem = (
            f"{exc}. The portal runs without a local host; start Docker and a host worker "
            f"(python -m workers --name {host_name}), or restart `make run`."
        )

    supervisor.start(
        Process(
            "web",
            web_command(bind, port),
            env={"BERTH_LOCAL_ENGINE_PROBLEM": engine_problem},
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
                [PYTHON, "-m", "workers", "--name", host_name],
                env={"DOCKER_HOST": docker_host},
            )
        )

    shown = "localhost" if bind in ("0.0.0.0", "::") else bind  # noqa: S104
    say("")
    say(f"Berth is up: http://{shown}:{port}/")
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
