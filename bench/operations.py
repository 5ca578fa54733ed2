"""Operation benchmarks, each beside the direct-Docker baseline measured in the same run.

    BERTH_TEST_RUN=ops-bench .venv/bin/python -m bench.operations [--rounds 10] [--layers 6] [--layer-mb 8]

- overhead: run, stop and start of a local image through Berth's API — from the request to the
  new state visible in Berth's API — against the same with the docker CLI (`docker run -d`,
  `docker stop`, `docker start`, which return once the engine did it). Median ratio; target <= 1.3x.
- pull progress: a multi-layer image pushed to a registry on this machine is pulled through
  the API; time from the request to the first progress event on /ws/operations/{id}/ (target
  <= 1 s), and the progress events (and layer updates) per second it sustains. Baseline: the
  same pull straight from the engine's API, its first progress line and its lines per second.
  (The registry is one of our own without authentication: pulls through the API take
  credentials only from the registries app, which is another branch.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import docker
import requests
import websockets

from bench.running_stack import running_stack
from tests.support.docker_cli import IMAGE, TEST_LABEL
from tests.support.operations import LABELS
from tests.support.processes import Stack
from tests.support.registry import OpenRegistry, build_layered_image


def cli(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(["docker", *args], check=True, capture_output=True)
    return time.perf_counter() - started


class Api:
    def __init__(self, stack: Stack):
        self.stack = stack
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {stack.token}"

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.stack.base_url + path, timeout=30, **kwargs)


class StateWatch:
    """When each (container name, state) became visible: the moment /ws/events/ tells it, which is
    after the database committed it (so the API shows it) — without polling the API, which on a
    small machine would slow what it measures."""

    def __init__(self, stack: Stack):
        self.seen: dict[tuple[str, str], float] = {}
        self._changed = threading.Condition()
        self._ready = threading.Event()
        url = f"ws://127.0.0.1:{stack.port}/ws/events/?token={stack.token}"
        threading.Thread(target=lambda: asyncio.run(self._listen(url, stack.base_url)), daemon=True).start()
        self._ready.wait(10)

    async def _listen(self, url: str, origin: str) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self._read(url, origin)

    async def _read(self, url: str, origin: str) -> None:
        async with websockets.connect(url, origin=origin, max_size=None) as socket:
            self._ready.set()
            async for raw in socket:
                now = time.perf_counter()
                container = json.loads(raw).get("container")
                if container:
                    with self._changed:
                        self.seen.setdefault((container["name"], container["state"]), now)
                        self._changed.notify_all()

    def wait(self, name: str, state: str, timeout: float = 30) -> float:
        with self._changed:
            if not self._changed.wait_for(lambda: (name, state) in self.seen, timeout):
                raise AssertionError(f"{name} never became {state}")
            return self.seen.pop((name, state))


def bench_overhead(stack: Stack, host: int, rounds: int) -> list[str]:
    api = Api(stack)
    watch = StateWatch(stack)
    times: dict[str, dict[str, list[float]]] = {k: {"cli": [], "berth": []} for k in ("run", "stop", "start")}
    for i in range(rounds):
        name = f"bench-cli-{i}-{uuid.uuid4().hex[:4]}"
        times["run"]["cli"].append(cli("run", "-d", "--label", TEST_LABEL, "--name", name, IMAGE, "sleep", "600"))
        times["stop"]["cli"].append(cli("stop", "-t", "0", name))
        times["start"]["cli"].append(cli("start", name))

        name = f"bench-api-{i}-{uuid.uuid4().hex[:4]}"
        started = time.perf_counter()
        answer = api(
            "POST",
            "/api/v1/containers/",
            json={"host": host, "image": IMAGE, "name": name, "command": "sleep 600", "labels": LABELS},
        )
        assert answer.status_code == 202, answer.text
        times["run"]["berth"].append(watch.wait(name, "running") - started)
        rows = api("GET", "/api/v1/containers/", params={"host": host, "name": name}).json()["results"]
        row = next(r for r in rows if r["name"] == name)
        assert row["state"] == "running"
        for verb, body, state in (("stop", {"timeout": 0}, "exited"), ("start", None, "running")):
            started = time.perf_counter()
            assert api("POST", f"/api/v1/containers/{row['id']}/{verb}/", json=body).status_code == 202
            times[verb]["berth"].append(watch.wait(name, state) - started)
    lines = [f"Overhead over the docker CLI, {rounds} rounds (request to state visible in Berth's API)"]
    for verb, pair in times.items():
        berth, base = statistics.median(pair["berth"]), statistics.median(pair["cli"])
        lines.append(
            f"  {verb:<6} Berth median {berth * 1000:7.1f} ms   docker CLI median {base * 1000:7.1f} ms"
            f"   ratio {berth / base:4.2f}x   (target <= 1.3x)"
        )
    return lines


async def _follow(url: str, origin: str, started: float) -> dict:
    first = None
    progress_times: list[float] = []
    updates = 0
    async with websockets.connect(url, origin=origin, max_size=None) as socket:
        async for raw in socket:
            now = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "snapshot" and message.get("layers"):
                first = first or now
            if message["type"] == "progress":
                first = first or now
                progress_times.append(now)
                updates += len(message["layers"])
            if message["type"] == "operation" and message["operation"]["state"] in ("succeeded", "failed"):
                assert message["operation"]["state"] == "succeeded", message["operation"]["error"]
                break
    span = (progress_times[-1] - progress_times[0]) if len(progress_times) > 1 else 0
    return {
        "first": (first - started) if first else float("nan"),
        "events": len(progress_times),
        "rate": len(progress_times) / span if span else float("nan"),
        "updates": updates / span if span else float("nan"),
        "total": time.perf_counter() - started,
    }


def direct_pull(reference: str) -> dict:
    client = docker.APIClient(version="auto")
    repository, tag = reference.rsplit(":", 1)
    started = time.perf_counter()
    first, lines, times = None, 0, []
    for line in client.pull(repository, tag=tag, stream=True, decode=True):
        now = time.perf_counter()
        if line.get("progressDetail"):
            first = first or now
            lines += 1
            times.append(now)
    span = times[-1] - times[0] if len(times) > 1 else 0
    return {
        "first": first - started,
        "rate": lines / span if span else float("nan"),
        "total": time.perf_counter() - started,
    }


def bench_pull(stack: Stack, host: int, layers: int, layer_mb: int, rounds: int = 3) -> list[str]:
    registry = OpenRegistry(tempfile.mkdtemp(prefix="berth-bench-registry-")).start()
    api = Api(stack)
    try:
        reference = f"{registry.address}/berth-bench/layered-{uuid.uuid4().hex[:6]}:1"
        build_layered_image(reference, layers=layers, size_kb=layer_mb * 1024)
        subprocess.run(["docker", "push", reference], check=True, capture_output=True)
        berth, direct = [], []
        for _ in range(rounds):
            subprocess.run(["docker", "rmi", "-f", reference], check=True, capture_output=True)
            direct.append(direct_pull(reference))
            subprocess.run(["docker", "rmi", "-f", reference], check=True, capture_output=True)
            started = time.perf_counter()
            answer = api("POST", "/api/v1/images/pull/", json={"host": host, "reference": reference})
            assert answer.status_code == 202, answer.text
            url = f"ws://127.0.0.1:{stack.port}/ws/operations/{answer.json()['id']}/?token={stack.token}"
            berth.append(asyncio.run(_follow(url, stack.base_url, started)))
        subprocess.run(["docker", "rmi", "-f", reference], check=False, capture_output=True)
    finally:
        registry.stop()
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731
    return [
        f"Pull progress: {layers} layers of {layer_mb} MiB from a registry on this machine, {rounds} rounds (medians)",
        f"  Berth: request to first progress event on /ws/operations/{{id}}/ {med(berth, 'first') * 1000:7.1f} ms"
        "   (target <= 1000 ms)",
        f"  Berth: progress events/s {med(berth, 'rate'):6.1f} ({med(berth, 'events'):.0f} a pull, at most 10/s),"
        f" layer updates/s {med(berth, 'updates'):6.1f}, whole pull {med(berth, 'total'):5.2f} s",
        f"  baseline: engine API pull, first progress line {med(direct, 'first') * 1000:7.1f} ms,"
        f" {med(direct, 'rate'):7.1f} lines/s, whole pull {med(direct, 'total'):5.2f} s",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--layer-mb", type=int, default=8)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    args = parser.parse_args()
    with running_stack(args.redis_url) as stack:
        name = f"bench-ops-{uuid.uuid4().hex[:4]}"
        worker = stack.host_worker(name)
        try:
            host = stack.wait_for_host(name, "online", timeout=20)["id"]
            for section in (
                lambda: bench_overhead(stack, host, args.rounds),
                lambda: bench_pull(stack, host, args.layers, args.layer_mb),
            ):
                print("\n".join(section()), flush=True)
        finally:
            worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
