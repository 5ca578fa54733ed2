"""How fast Berth sees a host come and go, beside the direct-Docker baseline of the same run.

    .venv/bin/python -m bench.host_liveness [--runs 5]

Needs Redis and a Docker engine (as `make test` leaves them). Prints, for each measure, the
median and worst of N runs:
- online: from starting a host worker to the API showing the host online
- enrollment: from `POST /api/v1/hosts/ {name}` to the host online, its worker started with the
  command line the answer printed, on a Redis with per-host ACL users (its own redis-server)
- offline after SIGTERM / SIGKILL: from the signal to the API showing it offline
- baseline: a fresh process that imports the Docker SDK and pings the engine (the least
  time any agent needs to learn an engine answers), and one `docker info` by the CLI.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid

from bench.running_stack import running_stack
from tests.support.processes import PYTHON, REPO, Stack
from tests.support.redis_process import PrivateRedis

POLL = 0.05


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def wait_status(stack: Stack, name: str, status: str, timeout: float = 60) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        host = stack.host(name)
        if host and host["status"] == status:
            return time.perf_counter() - started
        time.sleep(POLL)
    raise RuntimeError(f"{name} did not become {status} within {timeout} s")


def one_cycle(stack: Stack, how: int) -> tuple[float, float]:
    name = f"bench-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    worker = stack.host_worker(name)
    wait_status(stack, name, "online")
    online = time.perf_counter() - started
    time.sleep(2.5)  # a few heartbeats, as a host would have in life
    worker.send_signal(how)
    offline = wait_status(stack, name, "offline")
    worker.popen.wait(30)
    return online, offline


def enroll_cycle(stack: Stack) -> float:
    """Add a host as an admin would, run the printed command in a shell, until the host is online."""
    name = f"bench-{uuid.uuid4().hex[:6]}"
    started = time.perf_counter()
    answer = stack.post("/api/v1/hosts/", {"name": name})
    assert answer.status_code == 201, answer.text
    command = answer.json()["enrollment"]["command"]
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL")}
    env["PATH"] = f"{REPO / '.venv' / 'bin'}:{env.get('PATH', '')}"
    log = (stack.data_dir / f"{name}.log").open("wb")
    worker = subprocess.Popen(
        ["bash", "-c", command], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_status(stack, name, "online")
        return time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)  # the shell and the worker it started
        worker.wait(30)


def row(label: str, values: list[float], target: str = "") -> str:
    return f"  {label:<44} median {statistics.median(values):6.2f} s   worst {max(values):6.2f} s   {target}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()

    sdk_ping = [
        timed(lambda: subprocess.run([PYTHON, "-c", "import docker; docker.from_env().ping()"], check=True))
        for _ in range(args.runs)
    ]
    cli_info = [
        timed(lambda: subprocess.run(["docker", "info"], check=True, capture_output=True)) for _ in range(args.runs)
    ]

    with running_stack(args.redis_url) as stack:
        term = [one_cycle(stack, signal.SIGTERM) for _ in range(args.runs)]
        kill = [one_cycle(stack, signal.SIGKILL) for _ in range(args.runs)]

    broker = PrivateRedis().start()
    try:
        with running_stack(broker.url) as stack:
            enrolled = [enroll_cycle(stack) for _ in range(args.runs)]
    finally:
        broker.stop()

    online = [o for o, _ in term + kill]
    print(f"Host liveness, {args.runs} runs each (API polled every {POLL * 1000:.0f} ms)")
    print("Berth:")
    print(row("worker start -> online in the API", online, "target <= 3 s"))
    print(row("SIGTERM -> offline in the API", [off for _, off in term]))
    print(row("SIGKILL -> offline in the API", [off for _, off in kill], "target <= 15 s"))
    print(row("POST /api/v1/hosts/ -> online (printed command)", enrolled))
    print("Direct Docker baseline (same run):")
    print(row("new process: import docker SDK + ping", sdk_ping))
    print(row("docker info (CLI)", cli_info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
