"""Web terminal benchmarks, each beside direct `docker exec` (the Engine API's TTY exec, read
straight from the engine's socket) measured in the same run on the same container.

    BERTH_TEST_RUN=terminal-bench .venv/bin/python -m bench.terminal [--keys 500] [--lines 3000000] [--sessions 100]

- keystroke: one byte in, its echo out (the TTY's echo, `cat` in the container), one at a time,
  typed two ways: with a 5 ms pause between keys, and back-to-back (the next key as soon as
  the previous echo arrived, as a fast typist, key repeat or a tool driving the shell does);
  p50/p99. Targets p50 ≤ 2 ms, p99 ≤ 8 ms both ways.
- throughput: `cat` of a file holding `seq 1 N` in a TTY session, read by a websocket client;
  MB/s, and every line checked present and in order; Berth and direct in turn, three times each,
  the medians compared, and each process's CPU while Berth's ran. Target ≥ 75 % of direct TTY exec.
- concurrency: S sessions each printing about 100 KB/s while one more is typed into; keystroke
  p50/p99 of the typed one (target p99 ≤ 100 ms), every flood's bytes checked (none lost, none
  out of place), the websocket frames per second the floods took, and memory and CPU of each
  Berth process. `--py-spy PATH` samples the web process and the host worker meanwhile
  (`--profile-to FILE`, and FILE.worker: collapsed stacks).
- watchers: the owner's keystroke round trip (back-to-back) with no watcher, then with W
  watchers on /ws/sessions/{id}/watch/, each reading everything.

Each section's first line carries the machine's load average before and after it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import redis
import websockets

from bench.running_stack import running_stack
from engine.client import Engine
from engine.exec import create_exec, exec_start_path
from engine.upgraded import UpgradedStream, open_upgraded
from tests.integration.test_inventory import container_named
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.processes import Stack, wait_until

DOCKER = "unix:///var/run/docker.sock"
# ~100 KB/s without a fork per round (the shell's own read -t is the sleep), so that the load
# measured is Berth's, not a hundred shells forking head, tr and sleep ten times a second.
FLOOD = "s=$(head -c 10000 /dev/zero | tr '\\0' x); while true; do echo $s; read -t 0.1 x; done"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def latency_line(label: str, values: list[float], target: str = "") -> str:
    return (
        f"  {label:<46} p50 {pct(values, 50) * 1000:7.2f} ms   p99 {pct(values, 99) * 1000:7.2f} ms"
        f"   max {max(values) * 1000:7.2f} ms   (n={len(values)}) {target}"
    )


# -- the two clients: Berth's websocket, and the engine's own exec stream ----------------------------


class BerthSession:
    def __init__(self, socket, session: int | None = None):
        self.socket = socket
        self.session = session

    @classmethod
    async def open(cls, stack: Stack, container_id: int, cmd: str, cols: int = 200, rows: int = 50):
        query = urlencode({"token": stack.token, "cmd": cmd, "cols": cols, "rows": rows})
        address = f"ws://127.0.0.1:{stack.port}/ws/containers/{container_id}/terminal/?{query}"
        socket = await websockets.connect(address, origin=f"http://127.0.0.1:{stack.port}", max_size=None)
        ready = json.loads(await asyncio.wait_for(socket.recv(), 15))
        assert ready["type"] == "ready", ready
        return cls(socket, ready["session"])

    async def read(self) -> bytes:
        while True:
            frame = await self.socket.recv()
            if isinstance(frame, bytes):
                return frame
            message = json.loads(frame)
            if message["type"] in ("exit", "error", "over"):
                return b""

    @classmethod
    async def watch(cls, stack: Stack, session: int):
        query = urlencode({"token": stack.token})
        address = f"ws://127.0.0.1:{stack.port}/ws/sessions/{session}/watch/?{query}"
        socket = await websockets.connect(address, origin=f"http://127.0.0.1:{stack.port}", max_size=None)
        ready = json.loads(await asyncio.wait_for(socket.recv(), 15))
        assert ready["type"] == "ready", ready
        return cls(socket, session)

    async def write(self, data: bytes) -> None:
        await self.socket.send(data)

    async def close(self) -> None:
        await self.socket.close()


class DirectSession:
    def __init__(self, stream: UpgradedStream):
        self.stream = stream

    @classmethod
    async def open(cls, engine: Engine, container: str, cmd: str, cols: int = 200, rows: int = 50):
        exec_id, _, version = await asyncio.to_thread(create_exec, engine, container, ["sh", "-c", cmd], "", cols, rows)
        path, body = exec_start_path(version, exec_id)
        stream = await open_upgraded(engine.base_url, path, body)
        await asyncio.to_thread(engine._call, "exec_resize", exec_id, height=rows, width=cols)
        return cls(stream)

    async def write(self, data: bytes) -> None:
        await self.stream.write(data)

    async def read(self) -> bytes:
        return await self.stream.read(64 * 1024)

    async def close(self) -> None:
        self.stream.close()


PAUSE = 0.005
THROUGHPUT_ROUNDS = 3


async def keystrokes(session, count: int, pause: float = PAUSE) -> list[float]:
    """One byte at a time; the time until its echo is back, then `pause` (0: back-to-back).
    A newline every 100 keeps the line short."""
    timings = []
    await asyncio.sleep(0.3)
    for index in range(count):
        key = b"\r" if index % 100 == 99 else b"k"
        started = time.perf_counter()
        await session.write(key)
        received = b""
        while (b"\n" if key == b"\r" else key) not in received:
            received += await asyncio.wait_for(session.read(), 10)
        timings.append(time.perf_counter() - started)
        if pause:
            await asyncio.sleep(pause)
    return timings


async def read_lines(session, count: int) -> tuple[float, int]:
    """Reads `seq 1 count` output; checks every line, in order. (seconds, bytes)."""
    buffer = b""
    expected = 1
    total = 0
    started = None
    while expected <= count:
        data = await asyncio.wait_for(session.read(), 30)
        if not data:
            raise AssertionError(f"the stream ended at line {expected}")
        if started is None:
            started = time.perf_counter()
        total += len(data)
        buffer += data
        *lines, buffer = buffer.split(b"\r\n")
        for text in lines:
            if expected == 1 and not text.isdigit():
                continue  # the command's own echo, before the first line
            if text != str(expected).encode():
                raise AssertionError(f"line {expected} was {text[:40]!r}: lost or reordered bytes")
            expected += 1
            if expected > count:
                break
    return time.perf_counter() - started, total


# -- the benchmarks ----------------------------------------------------------------------------


async def bench_keystroke(stack, engine, container, count) -> list[str]:
    berth = await BerthSession.open(stack, container["id"], "cat")
    direct = await DirectSession.open(engine, container["engine_id"], "cat")
    lines = ["keystroke round trip (1 byte in, its echo out):"]
    try:
        for way, pause in ((f"{PAUSE * 1000:.0f} ms pause", PAUSE), ("back-to-back", 0.0)):
            berth_times = await keystrokes(berth, count, pause)
            direct_times = await keystrokes(direct, count, pause)
            lines += [
                latency_line(f"Berth, {way}", berth_times, "target p50 ≤ 2 ms, p99 ≤ 8 ms"),
                latency_line(f"baseline: direct docker exec, {way}", direct_times),
            ]
    finally:
        await berth.close()
        await direct.close()
    return lines


async def bench_throughput(stack, engine, container, lines, processes, rounds=THROUGHPUT_ROUNDS) -> list[str]:
    """Berth and direct in turn, `rounds` times each (a noisy machine moves single runs by a fifth
    either way); each one's median and range, and the CPU each process spent while Berth ran."""
    # The file is made first: the measure is the TTY stream, not seq writing a line at a time.
    docker("exec", container["engine_id"], "sh", "-c", f"seq 1 {lines} > /berth-bench-seq")
    command = "sleep 0.5; cat /berth-bench-seq"
    rates: dict[str, list[float]] = {"Berth": [], "direct": []}
    cpu = dict.fromkeys((label for label, _ in processes), 0.0)
    berth_seconds, size = 0.0, 0
    for _ in range(rounds):
        for name, opener in (
            ("Berth", lambda: BerthSession.open(stack, container["id"], f"sh -c '{command}'")),
            ("direct", lambda: DirectSession.open(engine, container["engine_id"], command)),
        ):
            session = await opener()
            before = {label: process_usage(pid)[0] for label, pid in processes}
            try:
                seconds, size = await read_lines(session, lines)
            finally:
                await session.close()
            rates[name].append(size / seconds / 1e6)
            if name == "Berth":
                berth_seconds += seconds
                for label, pid in processes:
                    cpu[label] += process_usage(pid)[0] - before[label]
    berth, direct = statistics.median(rates["Berth"]), statistics.median(rates["direct"])

    def spread(name: str) -> str:
        return f"(median of {rounds}, {min(rates[name]):.1f} to {max(rates[name]):.1f})"

    return [
        f"TTY output throughput (cat of seq 1 {lines}, {size / 1e6:.1f} MB, every line checked in order):",
        f"  Berth websocket client                         {berth:7.1f} MB/s   {spread('Berth')}   "
        f"{100 * berth / direct:.0f} % of direct; target ≥ 75 %",
        f"  baseline: direct docker exec                   {direct:7.1f} MB/s   {spread('direct')}",
        "  CPU while Berth's sessions ran, in % of a core: "
        + ", ".join(f"{label} {100 * spent / berth_seconds:.0f} %" for label, spent in cpu.items()),
    ]


def process_usage(pid: int) -> tuple[float, float]:
    """(CPU seconds so far, resident MB) of a process."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in stat[11:15])
    rss = int(
        next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS")).split()[
            1
        ]
    )
    return ticks / 100, rss / 1024


# What each flood prints, over and over: a line of 10,000 x's (the TTY turns \n into \r\n).
FLOOD_LINE = b"x" * 10000 + b"\r\n"


class FloodCheck:
    """Checks that a flood's output is whole lines of FLOOD_LINE, in order: a lost, repeated or
    foreign byte shows as a line that is not one."""

    def __init__(self):
        self.rest = b""
        self.bad = 0

    def take(self, data: bytes) -> None:
        data = self.rest + data
        whole = len(data) // len(FLOOD_LINE) * len(FLOOD_LINE)
        if data[:whole] != FLOOD_LINE * (whole // len(FLOOD_LINE)):
            self.bad += 1
        self.rest = data[whole:]
        if not FLOOD_LINE.startswith(self.rest):
            self.bad += 1
            self.rest = b""


async def drain(session, stop: asyncio.Event, counts: list[int], check: FloodCheck | None = None) -> None:
    """counts: [bytes, frames] read so far, for every session drained into it."""
    while not stop.is_set():
        data = await session.read()
        if not data:
            return
        counts[0] += len(data)
        counts[1] += 1
        if check is not None:
            check.take(data)


def start_profile(py_spy: str, pid: int, output: str):
    """py-spy sampling `pid` until stopped (SIGINT), its stacks written to `output` (collapsed)."""
    return subprocess.Popen(
        [py_spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--nonblocking", "-o", output],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profile(profiler) -> None:
    profiler.send_signal(signal.SIGINT)
    profiler.wait(30)


async def bench_concurrency(stack, engine, container, sessions, count, processes, profile=None) -> list[str]:
    lines = [f"concurrency: {sessions} sessions each printing ~100 KB/s, one more typed into:"]
    for name, opener in (
        ("Berth", lambda cmd: BerthSession.open(stack, container["id"], f'sh -c "{cmd}"')),
        ("direct", lambda cmd: DirectSession.open(engine, container["engine_id"], cmd)),
    ):
        floods = [await opener(FLOOD) for _ in range(sessions)]
        stop, counts = asyncio.Event(), [0, 0]
        checks = [FloodCheck() for _ in floods]
        readers = [asyncio.create_task(drain(s, stop, counts, c)) for s, c in zip(floods, checks, strict=True)]
        typed = await opener("cat")
        await asyncio.sleep(2)
        before = {label: process_usage(pid) for label, pid in processes}
        profilers = [start_profile(*one) for one in profile or ()] if name == "Berth" else []
        started, bytes_before, frames_before = time.perf_counter(), counts[0], counts[1]
        timings = await keystrokes(typed, count)
        elapsed = time.perf_counter() - started
        for profiler in profilers:
            stop_profile(profiler)
        rate = (counts[0] - bytes_before) / elapsed / 1e6
        frames = (counts[1] - frames_before) / elapsed
        after = {label: process_usage(pid) for label, pid in processes}
        stop.set()
        for session in (*floods, typed):
            await session.close()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        label = "Berth" if name == "Berth" else "baseline: direct docker exec"
        lines.append(latency_line(f"{label}: typed session", timings, "target p99 ≤ 100 ms" if name == "Berth" else ""))
        broken = sum(1 for c in checks if c.bad)
        lines.append(
            f"  {'':<46} floods delivered {rate:.1f} MB/s in all, {frames:.0f} frames/s; "
            f"{'every byte checked: none lost or out of place' if not broken else f'{broken} floods LOST BYTES'}"
        )
        for process, (cpu, rss) in after.items():
            cpu_share = (cpu - before[process][0]) / elapsed * 100
            lines.append(f"    {process:<28} CPU {cpu_share:5.0f} % of a core   memory {rss:6.0f} MB")
        await asyncio.sleep(1)
    return lines


async def bench_watchers(stack, container, count, watchers) -> list[str]:
    owner = await BerthSession.open(stack, container["id"], "cat")
    lines = [f"watchers: the owner's keystroke round trip, back-to-back, with 0 and {watchers} watchers:"]
    stop, counts, readers, watching = asyncio.Event(), [0, 0], [], []
    try:
        lines.append(latency_line("Berth, nobody watching", await keystrokes(owner, count, 0.0)))
        watching = [await BerthSession.watch(stack, owner.session) for _ in range(watchers)]
        readers = [asyncio.create_task(drain(w, stop, counts)) for w in watching]
        timings = await keystrokes(owner, count, 0.0)
        lines.append(latency_line(f"Berth, {watchers} watching", timings))
        lines.append(f"  {'':<46} watchers received {counts[0] / 1e3:.1f} KB in all")
    finally:
        stop.set()
        for session in (owner, *watching):
            await session.close()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return lines


async def run(stack: Stack, args) -> None:
    name = f"bench-terminal-{int(time.time())}"
    worker = stack.host_worker(name)
    host = stack.wait_for_host(name, "online", timeout=30)
    container_name = f"{name}-box"
    docker("run", "-d", "--label", TEST_LABEL, "--name", container_name, IMAGE, "sleep", "86400")
    container = wait_until(container_named(stack, host, container_name, state="running"), 20, what="the container")
    engine = Engine(DOCKER)
    processes = [("web (uvicorn)", p.popen.pid) for p in stack.processes if p.name == "web"]
    processes += [("host worker", p.popen.pid) for p in stack.processes if p.name == f"host-{name}"]
    processes += [("redis-server (shared)", int(redis.Redis.from_url(args.redis_url).info("server")["process_id"]))]
    processes += [("dockerd", int(Path("/var/run/docker.pid").read_text()))]
    processes += [("this benchmark's clients", os.getpid())]
    # --py-spy: the web process (and the host worker, to PROFILE_TO.worker) sampled while the typed
    # session is measured beside the floods.
    profile = (
        [(args.py_spy, processes[0][1], args.profile_to), (args.py_spy, processes[1][1], f"{args.profile_to}.worker")]
        if args.py_spy
        else None
    )
    sections = {
        "keystroke": lambda: bench_keystroke(stack, engine, container, args.keys),
        "throughput": lambda: bench_throughput(stack, engine, container, args.lines, processes),
        "concurrency": lambda: bench_concurrency(
            stack, engine, container, args.sessions, args.keys // 2, processes, profile
        ),
        "watchers": lambda: bench_watchers(stack, container, args.keys, args.watchers),
    }
    for key, section in sections.items():
        if not args.only or key in args.only:
            before = os.getloadavg()[0]
            lines = await section()
            # The machine may be shared: each figure is printed with the load it was measured under.
            lines[0] += f"   [load average {before:.2f} before, {os.getloadavg()[0]:.2f} after]"
            print("\n".join(lines), flush=True)
    worker.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--watchers", type=int, default=10)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--py-spy", default="", help="py-spy's path: profile the web process under the floods")
    parser.add_argument("--profile-to", default="web-under-floods.txt", help="where py-spy writes (collapsed stacks)")
    parser.add_argument("--only", nargs="*", choices=["keystroke", "throughput", "concurrency", "watchers"])
    args = parser.parse_args()
    redis.Redis.from_url(args.redis_url).flushdb()
    with running_stack(args.redis_url) as stack:
        asyncio.run(run(stack, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
