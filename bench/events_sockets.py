"""Many /ws/events/ sockets opened at once: do they all connect, and does every one receive every
change?

    .venv/bin/python -m bench.events_sockets [--sockets 500] [--changes 5]

A fresh stack (web and portal worker, bench/running_stack.py, Redis at BERTH_TEST_REDIS_URL or
db 8). `--sockets` admin sockets are opened all at once (as every open tab reconnecting after a
restart does); then `--changes` changes are made through the API (a host's labels, one a second),
each a `host.updated` event every socket may see. Prints how many connected and how long that
took (up to each socket's `hello`, sent once its groups are joined), how many sockets received
every change and how long the last one took, and the web process's memory before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import requests
import websockets

from bench.running_stack import running_stack


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(url: str, sockets: int, changes: int, change) -> dict:
    received: list[dict[str, float]] = [{} for _ in range(sockets)]
    opened: list[float] = []
    failed: list[str] = []
    done = asyncio.Event()

    async def one(number: int):
        try:
            async with websockets.connect(url, max_size=None, open_timeout=60) as socket:
                while not done.is_set():
                    try:
                        message = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                    except TimeoutError:
                        continue
                    if message.get("type") == "hello":  # its groups are joined: every change reaches it
                        opened.append(time.perf_counter())
                    elif message.get("type") == "host.updated":
                        mark = (message["host"].get("labels") or {}).get("change")
                        if mark:
                            received[number].setdefault(mark, time.perf_counter())
        except Exception as exc:  # each failure is counted and named
            failed.append(f"{type(exc).__name__}: {exc}")

    started = time.perf_counter()
    tasks = [asyncio.create_task(one(number)) for number in range(sockets)]
    while len(opened) + len(failed) < sockets and time.perf_counter() < started + 90:
        await asyncio.sleep(0.05)
    connected_in = time.perf_counter() - started
    sent: dict[str, float] = {}
    for number in range(changes):
        mark = f"c{number}"
        sent[mark] = time.perf_counter()
        await asyncio.to_thread(change, mark)
        await asyncio.sleep(1.0)
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and sum(len(r) == changes for r in received) < len(opened):
        await asyncio.sleep(0.1)
    done.set()
    await asyncio.gather(*tasks)
    lags = [at - sent[mark] for r in received for mark, at in r.items()]
    return {
        "connected": len(opened),
        "failed": failed,
        "connected_in": connected_in,
        "complete": sum(len(r) == changes for r in received),
        "worst_lag": max(lags) if lags else None,
        "per_change": {mark: sum(mark in r for r in received) for mark in sent},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--changes", type=int, default=5)
    args = parser.parse_args()
    redis_url = os.environ.get("BERTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/8")
    with running_stack(redis_url) as stack:
        web = stack.processes[0].popen.pid
        host = stack.post("/api/v1/hosts/", {"name": "bench-events"}).json()

        def change(mark: str) -> None:
            url = f"{stack.base_url}/api/v1/hosts/{host['id']}/"
            answer = requests.patch(url, json={"labels": {"change": mark}}, headers=stack.headers(), timeout=10)
            answer.raise_for_status()

        before = rss_mb(web)
        url = f"ws://127.0.0.1:{stack.port}/ws/events/?token={stack.token}"
        result = asyncio.run(run(url, args.sockets, args.changes, change))
        after = rss_mb(web)
    print(f"{args.sockets} /ws/events/ sockets opened at once; {args.changes} changes; load {os.getloadavg()[0]:.2f}")
    print(f"  connected {result['connected']}/{args.sockets} in {result['connected_in']:.1f} s")
    for reason in sorted(set(result["failed"]))[:5]:
        print(f"  failed: {result['failed'].count(reason)} x {reason}")
    print(f"  received every change: {result['complete']}/{result['connected']} sockets", end="")
    print(f" (the slowest arrival {result['worst_lag'] * 1000:.0f} ms after its change)" if result["worst_lag"] else "")
    print("  sockets that received each change: " + ", ".join(f"{n}" for n in result["per_change"].values()))
    print(f"  web RSS {before:.0f} MB before, {after:.0f} MB with the sockets open")
    return 0


if __name__ == "__main__":
    sys.exit(main())
