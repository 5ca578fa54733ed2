"""200 simulated hosts heartbeating and reporting to the portal workers, with dashboards open.

    .venv/bin/python -m bench.many_hosts [--hosts 200] [--seconds 30] [--sockets 20] [--change-every 10]
                                         [--burst 10] [--portal-workers 1]

A fresh stack (web and portal worker, bench/running_stack.py, Redis at BERTH_TEST_REDIS_URL or
db 8), with `--portal-workers` portal workers in all. Each simulated host is a real host
worker's Reporter (workers/reports.py) on a real Celery app: a hello, a heartbeat every 2 s,
and every `--change-every` seconds an inventory delta (one container's state flips),
sent onto the `portal` queue as host workers send them. `--sockets`
admins' /ws/events/ sockets stay open throughout. Prints:
- steady: reports sent and applied per second, and the portal worker's CPU;
- capacity: a burst (`--burst` heartbeats and one delta per host) queued at once, and the
  reports/s the portal worker applies it at;
- apply lag: a delta sent -> its container event on an open socket, p50/p95;
- what each socket received per second, by event type (heartbeats must not flood them), and the
  web process's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import redis
import websockets
from celery import Celery

from bench.running_stack import running_stack
from stack.commands import portal_worker_command
from tests.portal.inventory.factories import container_record
from tests.workers.conftest import make_identity
from wire.names import PORTAL_QUEUE
from workers.reports import EngineState, Reporter

HEARTBEAT_EVERY = 2.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sockets:
    """`count` /ws/events/ sockets: every event counted by type; container events timed."""

    def __init__(self, url: str, count: int):
        self.url, self.count = url, count
        self.types: list[Counter] = [Counter() for _ in range(count)]
        self.arrived: dict[str, float] = {}  # "container name state" -> first arrival
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _one(self, number: int, ready: list):
        async with websockets.connect(self.url, max_size=None) as socket:
            ready.append(number)
            if len(ready) == self.count:
                self.connected.set()
            while not self.stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                except TimeoutError:
                    continue
                kind = message.get("type", "?")
                self.types[number][kind] += 1
                if number == 0 and kind.startswith("container."):
                    container = message.get("container") or {}
                    self.arrived.setdefault(f"{container.get('name')} {container.get('state')}", time.time())

    async def _run(self):
        ready: list[int] = []
        await asyncio.gather(*(self._one(number, ready) for number in range(self.count)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--sockets", type=int, default=20)
    parser.add_argument("--change-every", type=float, default=10)
    parser.add_argument("--burst", type=int, default=10, help="heartbeats per host in the capacity burst")
    parser.add_argument("--portal-workers", type=int, default=1, help="portal worker processes (scale-out)")
    args = parser.parse_args()
    redis_url = os.environ.get("BERTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/8")
    redis.Redis.from_url(redis_url).flushdb()
    app = Celery(broker=redis_url)
    with running_stack(redis_url) as stack:
        for number in range(2, args.portal_workers + 1):
            command = portal_worker_command(f"portal-{number}-{stack.port}@%h")
            stack.spawn(f"portal-worker-{number}", command, stack.env())
        web = stack.processes[0].popen.pid
        portal_workers = [process.popen.pid for process in stack.processes[1:]]
        sockets = Sockets(f"ws://127.0.0.1:{stack.port}/ws/events/?token={stack.token}", args.sockets)
        sockets.thread.start()
        assert sockets.connected.wait(30), "the sockets did not all connect"
        hosts = []
        for number in range(args.hosts):
            reporter = Reporter(app, make_identity(f"sim-{number}"), "unix:///var/run/docker.sock")
            record = container_record(name=f"sim-{number}-app")
            hosts.append((reporter, record))
            reporter.send("hello", EngineState(reachable=True))
        sent = args.hosts
        cpu_before = {pid: cpu_seconds(pid) for pid in (web, *portal_workers)}
        changes: dict[str, float] = {}
        started = time.time()
        next_beat = [started + HEARTBEAT_EVERY * number / args.hosts for number in range(args.hosts)]
        next_change = [started + args.change_every * number / args.hosts for number in range(args.hosts)]
        flips = [0] * args.hosts
        while (now := time.time()) < started + args.seconds:
            for number, (reporter, record) in enumerate(hosts):
                if now >= next_beat[number]:
                    reporter.send("heartbeat", EngineState(reachable=True))
                    next_beat[number] += HEARTBEAT_EVERY
                    sent += 1
                if now >= next_change[number]:
                    flips[number] += 1
                    state = ("exited", "running")[flips[number] % 2]
                    changes[f"{record['name']} {state}"] = time.time()
                    reporter.send("inventory", inventory=_delta(reporter, {**record, "state": state}))
                    next_change[number] += args.change_every
                    sent += 1
            time.sleep(0.01)
        sending_ended = time.time()
        queue = redis.Redis.from_url(redis_url)
        while queue.llen(PORTAL_QUEUE) and time.time() < sending_ended + 120:
            time.sleep(0.05)
        drained = time.time()
        time.sleep(1.0)  # the last events reach the sockets
        cpu = {pid: (cpu_seconds(pid) - before) / (drained - started) for pid, before in cpu_before.items()}
        # Capacity: a burst of heartbeats (and one delta per host) queued at once, then drained.
        burst = 0
        for reporter, record in hosts:
            for _ in range(args.burst):
                reporter.send("heartbeat", EngineState(reachable=True))
            reporter.send("inventory", inventory=_delta(reporter, {**record, "state": "paused"}))
            burst += args.burst + 1
        queued = time.time()
        while queue.llen(PORTAL_QUEUE) and time.time() < queued + 300:
            time.sleep(0.02)
        burst_seconds = time.time() - queued
        sockets.stop.set()
        sockets.thread.join(5)

    lags = sorted((sockets.arrived[key] - sent_at) * 1000 for key, sent_at in changes.items() if key in sockets.arrived)
    print(
        f"{args.hosts} simulated hosts, {args.portal_workers} portal worker(s), {args.seconds:.0f} s, "
        f"{args.sockets} /ws/events/ sockets open; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  steady: {sent} reports in {drained - started:.1f} s ({sent / (drained - started):.1f}/s; the queue "
        f"drained {drained - sending_ended:.1f} s after sending stopped), portal worker CPU "
        + ", ".join(f"{cpu[pid]:.0%}" for pid in portal_workers)
    )
    print(
        f"  capacity: a burst of {burst} reports queued at once applied in {burst_seconds:.1f} s: "
        f"{burst / burst_seconds:.0f} reports/s"
    )
    if lags:
        print(
            f"  apply lag (delta sent -> container event on a socket): {len(lags)}/{len(changes)} seen, "
            f"p50 {statistics.median(lags):.0f} ms, p95 {lags[int(len(lags) * 0.95)]:.0f} ms"
        )
    per_socket = sum(sockets.types, Counter())
    print(f"  web CPU {cpu[web]:.0%}; each socket received per second (mean over {args.sockets}):")
    for kind, count in per_socket.most_common():
        print(f"    {kind:<24} {count / args.sockets / (drained - started):7.2f}")
    return 0


def _delta(reporter: Reporter, record: dict) -> dict:
    seq = reporter.reserve_seq()
    return {
        "observed_seq": seq,
        "containers": [record],
        "images": [],
        "removed_containers": [],
        "removed_images": [],
        "snapshot": None,
    }


if __name__ == "__main__":
    sys.exit(main())
