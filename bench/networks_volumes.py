"""Networks and volumes benchmarks (issue 14), each beside its direct-Docker baseline in the same run.

    .venv/bin/python -m bench.networks_volumes [--changes 40] [--rows 2000] [--only lag|list]

- lag: a network or volume is created or removed through the Engine API (what `docker network
  create`, `docker volume rm` … do); time from the call's return to (a) the change visible in
  Berth's API and (b) its event on /ws/events/. Baseline: the same change reaching a direct
  `docker events` subscriber.
- list scale: R networks and R volumes over 50 hosts in the database, each used by two
  containers; p50/p95 of the networks and volumes APIs (a page of 50, a later page, a host, a
  search, dangling), and the number of database queries each answer costs (pinned by
  tests/portal/networks/test_networks_volumes.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import threading
import time
import uuid

import docker
import requests
import websockets

from bench.inventory import line
from bench.running_stack import running_stack
from tests.support.docker_cli import TEST_RUN, remove_test_objects
from tests.support.processes import PYTHON, REPO, Stack, wait_until

LABELS = {"berth.test": TEST_RUN}


class EventRecorder:
    """When each network or volume change reaches a /ws/events/ client and a direct `docker events` client."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.ws: dict[tuple[str, str], float] = {}
        self.direct: dict[tuple[str, str], float] = {}
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
                    kind, _, change = str(event.get("type", "")).partition(".")
                    if kind in ("network", "volume") and change in ("created", "removed"):
                        self.ws.setdefault((event[kind]["name"], change), now)

        with contextlib.suppress(websockets.ConnectionClosed):  # the stack stopped at the end of the run
            asyncio.new_event_loop().run_until_complete(listen())

    def _run_direct(self):
        client = docker.APIClient(version="auto")
        for event in client.events(decode=True, filters={"type": ["network", "volume"]}):
            now = time.perf_counter()
            attributes = (event.get("Actor") or {}).get("Attributes") or {}
            name = attributes.get("name") or (event.get("Actor") or {}).get("ID", "")
            change = {"create": "created", "destroy": "removed"}.get(event.get("Action"))
            if change:
                self.direct.setdefault((name, change), now)


def bench_lag(stack: Stack, changes: int) -> list[str]:
    name = f"bench-nv-{uuid.uuid4().hex[:6]}"
    worker = stack.host_worker(name)
    host = stack.wait_for_host(name, "online", timeout=30)["id"]
    recorder = EventRecorder(stack)
    client = docker.APIClient(version="auto")
    time.sleep(2)
    api, ws, direct = {"network": [], "volume": []}, {"network": [], "volume": []}, {"network": [], "volume": []}
    for index in range(changes // 4):
        for kind in ("network", "volume"):
            object_name = f"{name}-{kind[0]}{index}"
            for change in ("created", "removed"):
                if kind == "network" and change == "created":
                    client.create_network(object_name, labels=LABELS)
                elif kind == "network":
                    client.remove_network(object_name)
                elif change == "created":
                    client.create_volume(object_name, labels=LABELS)
                else:
                    client.remove_volume(object_name)
                done = time.perf_counter()

                def visible(kind=kind, object_name=object_name, change=change):
                    rows = stack.get(f"/api/v1/{kind}s/", params={"host": host, "q": object_name}).json()["results"]
                    return any(r["name"] == object_name for r in rows) == (change == "created")

                wait_until(visible, 10, interval=0.005, what=f"{kind} {object_name} {change}")
                api[kind].append(time.perf_counter() - done)
                key = (object_name, change)
                wait_until(lambda key=key: key in recorder.ws, 10, interval=0.002, what=f"the event of {key}")
                ws[kind].append(recorder.ws[key] - done)
                if key in recorder.direct:
                    direct[kind].append(max(0.0, recorder.direct[key] - done))
    worker.stop()
    remove_test_objects()
    lines = [f"Inventory lag over {sum(map(len, api.values()))} changes (create/remove through the Engine API)"]
    for kind in ("network", "volume"):
        lines += [
            line(f"Berth: {kind} change -> visible in the API", api[kind], target="target p95 <= 500 ms"),
            line(f"Berth: {kind} change -> event on /ws/events/", ws[kind], target="target p95 <= 500 ms"),
            line(f"baseline: {kind} change -> direct `docker events`", direct[kind] or [0.0]),
        ]
    return lines


SEED = """
import django, json, os, uuid
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from django.contrib.auth import get_user_model
from portal.containers.models import Container
from portal.hosts.models import Host
from portal.networks.models import Network
from portal.volumes.models import Volume
rows, now = int(os.environ["ROWS"]), timezone.now()
hosts = [Host.objects.create(slug=f"nv-{i}", name=f"nv-{i}", status="online") for i in range(50)]
containers = Container.objects.bulk_create([
    Container(host=hosts[i % 50], engine_id=uuid.uuid4().hex * 2, name=f"c-{i}", image="busybox", state="running",
              created=now, version=1)
    for i in range(rows)
], batch_size=1000)
def users(i, **extra):
    return [{"engine_id": c.engine_id, "name": c.name, **extra} for c in (containers[i], containers[(i + 50) % rows])]
Network.objects.bulk_create([
    Network(host=hosts[i % 50], engine_id=uuid.uuid4().hex * 2, name=f"net-{i}", driver="bridge", scope="local",
            ipam=[{"subnet": f"10.{i // 250}.{i % 250}.0/24", "gateway": "", "ip_range": ""}], created=now, version=1,
            containers=users(i, ipv4_address="10.0.0.2/24", ipv6_address="", mac_address=""), container_count=2)
    for i in range(rows)
], batch_size=1000)
Volume.objects.bulk_create([
    Volume(host=hosts[i % 50], engine_id=f"vol-{i}", driver="local", mountpoint=f"/v/{i}", created=now, version=1,
           containers=users(i, destination="/data", rw=True) if i % 3 else [], container_count=2 if i % 3 else 0)
    for i in range(rows)
], batch_size=1000)
client = APIClient()
client.force_authenticate(get_user_model().objects.get(username="admin"))
counts = {}
for url in json.loads(os.environ["URLS"]):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url.replace("HOST", str(hosts[7].pk))).status_code == 200
    counts[url] = len(queries)
print("COUNTS", json.dumps(counts))
"""

URLS = [
    "/api/v1/networks/",
    "/api/v1/networks/?page=20",
    "/api/v1/networks/?host=HOST",
    "/api/v1/networks/?q=net-99",
    "/api/v1/volumes/",
    "/api/v1/volumes/?page=20",
    "/api/v1/volumes/?dangling=true",
    "/api/v1/volumes/?host=HOST&q=vol-1",
]


def bench_list(stack: Stack, rows: int) -> list[str]:
    seeded = subprocess.run(
        [PYTHON, "-c", SEED], cwd=REPO, env=stack.env(ROWS=str(rows), URLS=json.dumps(URLS)),
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    counts = json.loads(next(x for x in seeded.stdout.splitlines() if x.startswith("COUNTS ")).removeprefix("COUNTS "))
    host = str(stack.host("nv-7")["id"])
    session = requests.Session()
    session.headers["Authorization"] = f"Token {stack.token}"
    timings = {"networks": [], "volumes": []}
    for _ in range(20):
        for url in URLS:
            started = time.perf_counter()
            response = session.get(stack.base_url + url.replace("HOST", host), timeout=10)
            timings[url.split("/")[3]].append(time.perf_counter() - started)
            assert response.ok, response.text
    client = docker.APIClient(version="auto")
    baseline = []
    for _ in range(20):
        started = time.perf_counter()
        client.networks()
        client.volumes()
        baseline.append(time.perf_counter() - started)
    return [
        f"List scale: {rows} networks and {rows} volumes over 50 hosts, two containers on each",
        line("Berth: networks API, page of 50 (4 kinds of query)", timings["networks"], target="target p95 <= 100 ms"),
        line("Berth: volumes API, page of 50 (4 kinds of query)", timings["volumes"], target="target p95 <= 100 ms"),
        line("baseline: the local engine lists its networks and volumes", baseline),
        "  queries per answer: " + ", ".join(f"{url} {count}" for url, count in counts.items()),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--only", choices=["lag", "list"], help="run one of the two sections")
    args = parser.parse_args()
    sections = {"lag": lambda stack: bench_lag(stack, args.changes), "list": lambda stack: bench_list(stack, args.rows)}
    with running_stack(args.redis_url) as stack:
        for name, section in sections.items():
            if args.only in (None, name):
                print("\n".join(section(stack)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
