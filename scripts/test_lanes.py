"""`make test`'s pytest passes, run side by side: most of their time is spent waiting on Docker,
Redis, PostgreSQL and Chromium, so on two cores they finish together in about the time of the
longest instead of the sum.

Each lane is its own pytest process, kept apart from the others so that none can disturb
another's objects:
- its own Redis: a redis-server of its own on a free loopback port (the tests flush their db);
- its own run label (BERTH_TEST_RUN=<run>-<lane>): the containers, images, networks and volumes a
  lane makes carry it, and its clean-up removes only those (names are unique, subnets and ports
  are chosen free: tests/support/docker_cli.py);
- its own temporary directory and, on PostgreSQL, its own databases.

Each lane's output is printed whole when it ends (never interleaved), then a line per lane with
its counts and time, then the totals. The exit status is 1 if any lane failed, or ran no test.

    .venv/bin/python scripts/test_lanes.py [--jobs N] [--only LANE,...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.processes import free_port  # noqa: E402  (a port out of the ephemeral range)

PYTHON = str(REPO / ".venv" / "bin" / "python")

# The directories of tests that need real Docker, workers, a browser: each in a lane of its own.
# Everything else under tests/ (a new directory too) is in the unit lane.
SLOW = ["tests/integration", "tests/workers", "tests/engine", "tests/e2e"]


@dataclass
class Lane:
    name: str
    title: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen | None = None
    redis: subprocess.Popen | None = None
    started: float = 0.0
    seconds: float = 0.0
    cpu: float = 0.0  # seconds of CPU of the lane's pytest and every process it waited for
    code: int | None = None
    log: Path | None = None


def lanes(run: str) -> list[Lane]:
    """Longest first: with fewer jobs than lanes, the long ones must not wait."""
    postgres = os.environ.get("BERTH_TEST_POSTGRES_URL", "")
    database = re.sub(r"[^a-z0-9_]", "_", f"berth_unit_{run}".lower())
    found = [
        Lane("integration", "integration over the real stack (SQLite)", ["tests/integration"]),
        # PostgreSQL is a first-class database: the integration suite again on it. Left out:
        # test_make_run.py, whose `python -m stack` keeps its own SQLite whatever the tests use
        # (the same test twice), and test_faults.py skips itself there for the same reason.
        Lane(
            "postgres",
            "integration on PostgreSQL, then the inventory's bulk paths on PostgreSQL",
            ["tests/integration", "--ignore=tests/integration/test_make_run.py"],
            {"BERTH_TEST_DATABASE": "postgres"},
        ),
        Lane("e2e", "the browser tests (Chromium, SQLite)", ["tests/e2e"]),
        Lane("workers", "the host worker and the engine client on the real engines", ["tests/workers", "tests/engine"]),
        Lane("unit", "unit tests, access matrix, schema fuzzing (SQLite)", ["tests", *(f"--ignore={d}" for d in SLOW)]),
        # The portal's tests of the inventory's bulk paths (pytest-django makes its test database
        # there). A lane of its own: it needs a different DATABASE_URL from the process's start.
        Lane(
            "postgres-portal",
            "the portal's inventory, containers and images tests on PostgreSQL",
            ["tests/portal/inventory", "tests/portal/containers", "tests/portal/images"],
            {"DATABASE_URL": f"{postgres.rsplit('/', 1)[0]}/{database}"} if postgres else {},
        ),
    ]
    return found


def start_redis(directory: Path) -> tuple[subprocess.Popen, str]:
    """A redis-server of the lane's own; its URL once it answers."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    for _ in range(5):
        port = free_port()
        command = [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        log = (directory / "redis.log").open("ab")
        popen = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and popen.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return popen, f"redis://127.0.0.1:{port}/0"
            except OSError:
                time.sleep(0.05)
        popen.kill()
        popen.wait()
    raise SystemExit(f"test lanes: redis-server would not start (log in {directory}/redis.log)")


SUMMARY = re.compile(r"^=+ (?P<counts>.*?) in [\d.]+s(?: \([\d:]+\))? =+$")
# What each of pytest's words adds to: an error (in a fixture) is a failure.
WORDS = {"passed": "passed", "xpassed": "passed", "failed": "failed", "error": "failed", "errors": "failed"}
WORDS |= {"skipped": "skipped", "xfailed": "skipped"}
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)")


def counts(text: str) -> dict[str, int]:
    """The numbers of pytest's closing line ("3 failed, 90 passed, 1 skipped in 12.3s")."""
    for line in reversed(text.splitlines()):
        if match := SUMMARY.match(line.strip()):
            found = {"passed": 0, "failed": 0, "skipped": 0}
            for number, word in COUNT.findall(match["counts"]):
                if word in WORDS:
                    found[WORDS[word]] += int(number)
            return found
    return {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("BERTH_TEST_JOBS", "5")))
    parser.add_argument("--only", default=os.environ.get("BERTH_TEST_LANES", ""), help="lanes to run, comma-separated")
    options = parser.parse_args()

    run = os.environ.get("BERTH_TEST_RUN", "ci")
    todo = lanes(run)
    if options.only:
        wanted = set(options.only.split(","))
        todo = [lane for lane in todo if lane.name in wanted]
    if os.environ.get("BERTH_TEST_POSTGRES", "1") == "0":
        todo = [lane for lane in todo if "postgres" not in lane.name]
    state = Path(tempfile.mkdtemp(prefix=f"berth-lanes-{run}-"))
    print(f"== pytest in {len(todo)} lanes at once ({', '.join(lane.name for lane in todo)}); logs in {state}")
    sys.stdout.flush()

    waiting, running, done = list(todo), [], []
    began = time.monotonic()

    def start(lane: Lane) -> None:
        directory = state / lane.name
        directory.mkdir()
        lane.redis, redis_url = start_redis(directory)
        env = {
            **os.environ,
            "BERTH_TEST_RUN": f"{run}-{lane.name}",
            "BERTH_TEST_REDIS_URL": redis_url,
            "BERTH_UNIT_REDIS_URL": redis_url.rsplit("/", 1)[0] + "/1",
            "PYTHONUNBUFFERED": "1",
            **lane.env,
        }
        lane.log = directory / "pytest.log"
        with lane.log.open("wb") as log:
            lane.popen = subprocess.Popen(
                [PYTHON, "-m", "pytest", *lane.args, f"--basetemp={directory / 'tmp'}", "-p", "no:cacheprovider"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        lane.started = time.monotonic()
        running.append(lane)

    def stop_all(signum, _frame) -> None:
        for lane in running:
            if lane.popen and lane.popen.poll() is None:
                os.killpg(lane.popen.pid, signal.SIGTERM)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    try:
        while waiting or running:
            while waiting and len(running) < options.jobs:
                start(waiting.pop(0))
            for lane in list(running):
                pid, status, usage = os.wait4(lane.popen.pid, os.WNOHANG)
                if pid == 0:
                    continue
                lane.code = os.waitstatus_to_exitcode(status)
                lane.popen.returncode = lane.code
                lane.cpu = usage.ru_utime + usage.ru_stime
                lane.seconds = time.monotonic() - lane.started
                running.remove(lane)
                done.append(lane)
                print(f"\n== pytest lane {lane.name}: {lane.title}  [{lane.seconds:.0f} s, {lane.cpu:.0f} s of CPU]")
                print(lane.log.read_text(errors="replace").rstrip())
                sys.stdout.flush()
            time.sleep(0.2)
    finally:
        for lane in todo:
            if lane.redis is not None and lane.redis.poll() is None:
                lane.redis.terminate()
                lane.redis.wait(10)

    print("\n== pytest lanes")
    total = {"passed": 0, "failed": 0, "skipped": 0}
    failed = []
    for lane in todo:
        found = counts(lane.log.read_text(errors="replace"))
        code = lane.code
        if code != 0 or not found or found["passed"] == 0:
            failed.append(lane.name)
        why = {5: " (no test ran)"}.get(code, f" (exit {code})" if code else "")
        shown = ", ".join(f"{n} {word}" for word, n in found.items() if n) or "no result"
        print(f"   {lane.name:<16} {shown}{why}  [{lane.seconds:.0f} s, {lane.cpu:.0f} s of CPU]")
        for word in total:
            total[word] += found.get(word, 0)
    print(f"   all lanes in {time.monotonic() - began:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    if started := os.environ.get("BERTH_TEST_STARTED"):
        print(f"make test: {time.time() - int(started):.0f} s")
    print(f"pytest: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
