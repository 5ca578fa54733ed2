"""Inventory benchmarks, each beside the direct-Docker baseline measured in the same run.

    .venv/bin/python -m bench.inventory [--changes 100] [--recovery 300] [--rows 10000]
                                        [--only lag|recovery|list] [--postgres URL]

- lag: a container is run or stopped through the Engine API (what `docker run`/`docker stop`
  do); time from the call's return to (a) the change visible in Berth's API and (b) its event
  on /ws/events/. Baseline: the same change arriving on a direct `docker events` subscriber.
- recovery: the host worker is killed, N containers are created and half of them removed,
  the worker restarts; time from its start until Berth's list equals `docker ps -a` exactly.
  Baseline: one `docker ps -a` listing of the same engine.
- list scale: R containers over 50 hosts in the database; p50/p95 of the containers API (a page
  of 50, several pages and filters) and of the containers page. Baseline: listing all containers
  of the real engine through its API. With --postgres (a server's URL; default
  $BERTH_TEST_POSTGRES_URL when set), the list is measured on SQLite and again on a fresh
  PostgreSQL database, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import docker
import requests
import websockets

from bench.running_stack import running_stack
from tests.support.docker_cli import IMAGE, remove_test_objects
from tests.support.processes import PYTHON, REPO, Stack, wait_until


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(label: str, values: list[float], unit: str = "ms", target: str = "") -> str:
    scale = 1000 if unit == "ms" else 1
    return (
        f"  {label:<52} p50 {pct(values, 50) * scale:8.1f} {unit}   p95 {pct(values, 95) * scale:8.1f} {unit}"
        f"   max {max(values) * scale:8.1f} {unit}   {target}"
    )


class EventRecorder:
    """Records when each container event reaches a /ws/events/ client, and a direct docker events client."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.ws: dict[tuple[str, str], float] = {}
        self.direct: dict[tuple[str, str], float] = {}
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._run_ws, daemon=True).start()
        threading.Thread(target=self._run_direct, daemon=True).start()
        self._ready.wait(10)

    def _run_ws(self):
        async def listen():
            url = f"ws://127.0.0.1:{self.stack.port}/ws/events/?token={self.stack.token}"
            async with websockets.connect(url, max_size=None) as socket:
                self._ready.set()
                async for message in socket:
                    now = time.perf_counter()
                    event = json.loads(message)
                    container = event.get("container")
                    if container:
                        self.ws.setdefault((container["name"], container["state"]), now)

        self._loop.run_until_complete(listen())

    def _run_direct(self):
        client = docker.APIClient(version="auto")
        for event in client.events(decode=True, filters={"type": "container"}):
            now = time.perf_counter()
            name = (event.get("Actor") or {}).get("Attributes", {}).get("name", "")
            state = {"start": "running", "die": "exited"}.get(event.get("Action"))
            if state:
                self.direct.setdefault((name, state), now)


def bench_lag(stack: Stack, changes: int) -> list[str]:
    name = f"bench-lag-{uuid.uuid4().hex[:6]}"
    worker = stack.host_worker(name)
    host = stack.wait_for_host(name, "online", timeout=30)
    recorder = EventRecorder(stack)
    client = docker.APIClient(version="auto")
    time.sleep(2)
    api, ws, direct = [], [], []
    for index in range(changes // 2):
        container_name = f"{name}-{index}"
        for state in ("running", "exited"):
            if state == "running":
                created = client.create_container(
                    IMAGE, ["sleep", "300"], name=container_name, labels={"berth.test": "1"}
                )
                client.start(created)
            else:
                client.stop(container_name, timeout=0)
            done = time.perf_counter()

            def visible(container_name=container_name, state=state):
                results = stack.get("/api/v1/containers/", params={"host": host["id"], "name": container_name})
                return any(c["name"] == container_name and c["state"] == state for c in results.json()["results"])

            wait_until(visible, 10, interval=0.005, what=f"{container_name} {state}")
            api.append(time.perf_counter() - done)
            wait_until(lambda key=(container_name, state): key in recorder.ws, 10, interval=0.002)
            ws.append(recorder.ws[(container_name, state)] - done)
            if (container_name, state) in recorder.direct:
                direct.append(max(0.0, recorder.direct[(container_name, state)] - done))
    worker.stop()
    remove_test_objects()
    return [
        f"Inventory lag over {len(api)} changes (run/stop through the Engine API)",
        line("Berth: change -> visible in the API", api, target="target p95 <= 500 ms"),
        line("Berth: change -> event on /ws/events/", ws, target="target p95 <= 500 ms"),
        line("baseline: change -> direct `docker events` subscriber", direct or [0.0]),
    ]


def bench_recovery(stack: Stack, count: int) -> list[str]:
    name = f"bench-rec-{uuid.uuid4().hex[:6]}"
    worker = stack.host_worker(name)
    host = stack.wait_for_host(name, "online", timeout=30)
    worker.stop(signal.SIGKILL)
    client = docker.APIClient(version="auto")
    created = [client.create_container(IMAGE, ["true"], labels={"berth.test": "1"})["Id"] for _ in range(count)]
    for container_id in created[: count // 2]:
        client.remove_container(container_id)

    def engine_ids():
        return {c["Id"] for c in client.containers(all=True)}

    listing = []
    for _ in range(5):
        started = time.perf_counter()
        engine_ids()
        listing.append(time.perf_counter() - started)

    def berth_ids():
        found, page = set(), 1
        while True:
            data = stack.get("/api/v1/containers/", params={"host": host["id"], "page_size": 1000, "page": page}).json()
            found |= {c["engine_id"] for c in data["results"]}
            if not data["next"]:
                return found
            page += 1

    started = time.perf_counter()
    worker = stack.host_worker(name)
    expected = engine_ids()
    wait_until(lambda: berth_ids() == expected, 60, interval=0.05, what="the database to match the engine")
    recovered = time.perf_counter() - started
    worker.stop()
    remove_test_objects()
    return [
        f"Recovery: worker killed, {count} containers created and {count // 2} removed meanwhile",
        f"  {'Berth: worker start -> database exactly right':<52} {recovered:8.2f} s   target <= 10 s",
        line("baseline: one `docker ps -a` listing", listing),
    ]


SEED = """
import django, os, uuid
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()
from django.utils import timezone
from portal.hosts.models import Host
from portal.containers.models import Container
rows, hosts = int(os.environ["ROWS"]), []
for i in range(50):
    hosts.append(Host.objects.create(slug=f"scale-{i}", name=f"scale-{i}", status="online"))
now = timezone.now()
Container.objects.bulk_create([
    Container(host=hosts[i % 50], engine_id=uuid.uuid4().hex * 2, name=f"c-{i}", image="busybox",
              image_id="sha256:" + "0" * 64, command="sleep 1", state=("running", "exited")[i % 2],
              created=now, version=1)
    for i in range(rows)
], batch_size=1000)
"""


def bench_list(stack: Stack, rows: int) -> list[str]:
    subprocess.run([PYTHON, "-c", SEED], cwd=REPO, env=stack.env(ROWS=str(rows)), check=True)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {stack.token}"
    urls = [
        "/api/v1/containers/",
        "/api/v1/containers/?page=20",
        "/api/v1/containers/?state=running",
        "/api/v1/containers/?q=c-99",
        "/api/v1/containers/?host=" + str(stack.host("scale-7")["id"]),
    ]
    timings = []
    for _ in range(20):
        for url in urls:
            started = time.perf_counter()
            response = session.get(stack.base_url + url, timeout=10)
            timings.append(time.perf_counter() - started)
            assert response.ok, response.text
    page = requests.Session()
    page.get(f"{stack.base_url}/login/")
    page.post(
        f"{stack.base_url}/login/",
        data={"username": "admin", "password": stack.admin_password, "csrfmiddlewaretoken": page.cookies["csrftoken"]},
        headers={"Referer": f"{stack.base_url}/login/"},
    )
    page_timings = []
    for _ in range(20):
        started = time.perf_counter()
        assert page.get(f"{stack.base_url}/containers/", timeout=10).ok
        page_timings.append(time.perf_counter() - started)
    client = docker.APIClient(version="auto")
    baseline = []
    for _ in range(20):
        started = time.perf_counter()
        client.containers(all=True)
        baseline.append(time.perf_counter() - started)
    return [
        f"List scale: {rows} containers over 50 hosts in the database",
        line("Berth: containers API, page of 50 (5 kinds of query)", timings, target="target p95 <= 100 ms"),
        line("Berth: containers page (HTML)", page_timings),
        line(f"baseline: engine lists its {len(client.containers(all=True))} containers", baseline),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--recovery", type=int, default=300)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--only", choices=("lag", "recovery", "list"))
    parser.add_argument("--postgres", default=os.environ.get("BERTH_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    with running_stack(args.redis_url) as stack:
        for name, section in (
            ("lag", lambda: bench_lag(stack, args.changes)),
            ("recovery", lambda: bench_recovery(stack, args.recovery)),
            ("list", lambda: bench_list(stack, args.rows)),
        ):
            if args.only in (None, name):
                print("\n".join(section()), flush=True)
    if args.postgres and args.only in (None, "list"):
        with running_stack(args.redis_url, postgres_server=args.postgres) as stack:
            print("On PostgreSQL:", "\n".join(bench_list(stack, args.rows)), sep="\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
