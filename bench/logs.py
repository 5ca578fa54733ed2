"""Log streaming: lines per second delivered to a websocket client from a container writing as
fast as it can, beside `docker logs -f` on the same engine in the same run.

    .venv/bin/python -m bench.logs [--lines 500000] [--runs 3]

Needs Redis and a Docker engine (as `make test` leaves them). Each run starts a fresh container
that writes --lines numbered lines with `seq` (as fast as busybox and the engine's json-file
driver let it) and follows its logs from the moment it starts until it exits:
- Berth: a websocket client on /ws/containers/{id}/logs/ (through the web process, Redis and the
  host worker), counting lines and checking that none is missing or out of order;
- baseline: `docker logs -f` of the same kind of container, counting lines on its stdout.
Then both read the same number of lines from a container that already exited (catch-up).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import websockets

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.processes import Stack, wait_until


def start_writer(lines: int) -> str:
    return docker("run", "-d", "--label", TEST_LABEL, IMAGE, "seq", "1", str(lines))


def berth_container_id(stack: Stack, engine_id: str) -> int:
    def find():
        found = stack.get("/api/v1/containers/", params={"q": engine_id[:12]}).json()["results"]
        return found[0]["id"] if found else None

    return wait_until(find, 20, what=f"container {engine_id[:12]} in Berth")


async def follow_socket(url: str, expected: int) -> tuple[float, int]:
    """Seconds from opening the socket to the last line, and the lines that came (checked in order)."""
    started = time.perf_counter()
    count, partial = 0, ""
    async with websockets.connect(url, max_size=None) as socket:
        async for frame in socket:
            data = json.loads(frame)
            if isinstance(data, dict):
                if data.get("type") in ("end", "error"):
                    break
                continue
            text = partial + "".join(entry["data"] for entry in data)
            lines = text.split("\n")
            partial = lines.pop()
            for line in lines:
                count += 1
                if line != str(count):
                    raise AssertionError(f"line {count} was {line!r}: a gap or a reordering")
    elapsed = time.perf_counter() - started
    if count != expected:
        raise AssertionError(f"{count} lines arrived of {expected}")
    return elapsed, count


def berth_run(stack: Stack, lines: int, live: bool) -> float:
    engine_id = start_writer(lines)
    if not live:
        docker("wait", engine_id)
    pk = berth_container_id(stack, engine_id)
    url = f"ws://127.0.0.1:{stack.port}/ws/containers/{pk}/logs/?token={stack.token}"
    elapsed, count = asyncio.run(follow_socket(url, lines))
    return count / elapsed


def docker_run(lines: int, live: bool) -> float:
    engine_id = start_writer(lines)
    if not live:
        docker("wait", engine_id)
    started = time.perf_counter()
    follower = subprocess.Popen(["docker", "logs", "-f", engine_id], stdout=subprocess.PIPE)
    count = sum(1 for _ in follower.stdout)
    follower.wait()
    elapsed = time.perf_counter() - started
    if count != lines:
        raise AssertionError(f"docker logs -f gave {count} lines of {lines}")
    return count / elapsed


def row(label: str, rates: list[float]) -> str:
    return f"  {label:<40} median {statistics.median(rates):>10,.0f} lines/s   worst {min(rates):>10,.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--redis-url", default=os.environ.get("BERTH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"))
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="berth-bench-"))
    stack = Stack(data_dir=data_dir, redis_url=args.redis_url).start()
    name = f"bench-logs-{uuid.uuid4().hex[:6]}"
    worker = stack.host_worker(name)
    results: dict[str, list[float]] = {"berth live": [], "docker live": [], "berth catch-up": [], "docker catch-up": []}
    try:
        stack.wait_for_host(name, "online", timeout=30)
        for _ in range(args.runs):
            for live in (True, False):
                mode = "live" if live else "catch-up"
                results[f"berth {mode}"].append(berth_run(stack, args.lines, live))
                results[f"docker {mode}"].append(docker_run(args.lines, live))
                remove_test_objects()
    except (AssertionError, requests.RequestException) as exc:
        print(f"Benchmark failed: {exc}\n(see the logs in {data_dir / 'logs'})", file=sys.stderr)
        return 1
    finally:
        worker.stop()
        stack.stop()
        remove_test_objects()
    shutil.rmtree(data_dir, ignore_errors=True)

    print(f"Log streaming: {args.lines:,} lines from `seq` in busybox, {args.runs} runs, every line checked in order")
    print("Following a container while it writes as fast as it can:")
    print(row("Berth websocket client", results["berth live"]))
    print(row("docker logs -f (baseline)", results["docker live"]))
    print("Reading the same from a container that already exited:")
    print(row("Berth websocket client", results["berth catch-up"]))
    print(row("docker logs -f (baseline)", results["docker catch-up"]))
    ratio = statistics.median(results["berth live"]) / statistics.median(results["docker live"])
    print(f"  Berth / docker, live: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
