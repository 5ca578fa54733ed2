"""Stacks benchmarks (issue 15), each beside its direct-compose baseline in the same run.

    .venv/bin/python -m bench.stacks [--rounds 5] [--cli 20] [--redis-url redis://127.0.0.1:6379/13]

- deploy: a 5-service stack deployed through Berth (POST /api/v1/stacks/ until every service runs,
  as the API shows it) beside `docker compose up -d --wait` of the same file by the same binary,
  alternately, each taken down after.
- CLI lag: a one-service project started with `docker compose up -d`; time from its return to the
  stack showing in Berth's API with its container running.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bench.inventory import line
from bench.running_stack import running_stack
from tests.support.docker_cli import IMAGE, TEST_RUN
from tests.support.processes import Stack, wait_until

ENGINE = "unix:///var/run/docker.sock"


def compose_file(services: int) -> str:
    body = "services:\n"
    for index in range(services):
        body += f"  s{index}:\n    image: {IMAGE}\n    command: sleep 600\n    stop_signal: SIGKILL\n"
        body += f'    labels: {{berth.test: "{TEST_RUN}"}}\n'
    return body


def compose(binary: str, project: str, folder: Path, *args: str) -> None:
    env = {**os.environ, "DOCKER_HOST": ENGINE}
    subprocess.run([binary, "-p", project, *args], cwd=folder, env=env, check=True, capture_output=True, timeout=300)


def stack_row(stack: Stack, host: int, name: str) -> dict | None:
    rows = stack.get("/api/v1/stacks/", params={"host": host, "q": name}).json()["results"]
    return next((r for r in rows if r["name"] == name), None)


def all_running(stack: Stack, host: int, name: str, services: int):
    row = stack_row(stack, host, name)
    ok = row and row["state"] == "running" and sum(len(s["containers"]) for s in row["services"]) == services
    return row if ok else None


def bench_deploy(stack: Stack, host: int, binary: str, rounds: int) -> list[str]:
    berth, direct = [], []
    text = compose_file(5)
    folder = Path(tempfile.mkdtemp(prefix="berth-bench-stack-"))
    (folder / "compose.yaml").write_text(text)
    for _ in range(rounds):
        project = f"bench-direct-{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        compose(binary, project, folder, "up", "-d", "--wait")
        direct.append(time.perf_counter() - started)
        compose(binary, project, folder, "down")

        name = f"bench-berth-{uuid.uuid4().hex[:6]}"
        started = time.perf_counter()
        answer = stack.post("/api/v1/stacks/", {"host": host, "name": name, "compose": text})
        assert answer.status_code == 202, answer.text
        row = wait_until(lambda name=name: all_running(stack, host, name, 5), 120, interval=0.01, what=name)
        berth.append(time.perf_counter() - started)
        deployed = answer.json()["id"]
        wait_until(lambda op=deployed: stack.get(f"/api/v1/operations/{op}/").json()["state"] == "succeeded", 60,
                   what="the deploy's end")  # one change at a time: down waits for it  # fmt: skip
        operation = requests.delete(
            f"{stack.base_url}/api/v1/stacks/{row['id']}/", headers=stack.headers(), timeout=30
        ).json()["id"]

        def taken_down(operation=operation):
            return stack.get(f"/api/v1/operations/{operation}/").json()["state"] == "succeeded"

        wait_until(taken_down, 60, what="down")
    ratio = (sorted(berth)[len(berth) // 2] / sorted(direct)[len(direct) // 2]) if direct else 0
    return [
        f"Deploy of a 5-service stack, {rounds} rounds (ratio of medians {ratio:.2f}x, target <= 1.2x)",
        line("Berth: POST /api/v1/stacks/ -> all running in the API", berth, unit="s"),
        line("baseline: docker compose up -d --wait", direct, unit="s"),
    ]


def bench_cli(stack: Stack, host: int, binary: str, count: int) -> list[str]:
    lags = []
    folder = Path(tempfile.mkdtemp(prefix="berth-bench-cli-"))
    (folder / "compose.yaml").write_text(compose_file(1))
    for _ in range(count):
        project = f"bench-cli-{uuid.uuid4().hex[:6]}"
        compose(binary, project, folder, "up", "-d")
        done = time.perf_counter()
        wait_until(lambda p=project: all_running(stack, host, p, 1), 20, interval=0.005, what=project)
        lags.append(time.perf_counter() - done)
        compose(binary, project, folder, "down")
    label = "compose up -d returned -> stack running in the API"
    return [f"CLI project -> stack in Berth, {count} projects", line(label, lags, target="target p95 <= 1 s")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cli", type=int, default=20)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    binary = os.environ.get("BERTH_COMPOSE")
    if not binary:
        print("BERTH_COMPOSE must name Compose v2 (scripts/test-services.sh installs it).", file=sys.stderr)
        return 2
    with running_stack(args.redis_url) as stack:
        name = f"bench-stacks-{uuid.uuid4().hex[:6]}"
        worker = stack.host_worker(name, env={"BERTH_STACKS_DIR": tempfile.mkdtemp(prefix="berth-bench-dir-")})
        host = stack.wait_for_host(name, "online", timeout=30)["id"]
        try:
            for section in (lambda: bench_deploy(stack, host, binary, args.rounds),
                            lambda: bench_cli(stack, host, binary, args.cli)):  # fmt: skip
                print("\n".join(section()), flush=True)
        finally:
            worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
