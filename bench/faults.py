"""How Berth heals from each fault of issue 18, and what it lost: each fault is injected into a
real stack that this benchmark owns (its own redis-server on a free port, its own web, portal
worker and host workers; the shared Redis and Docker are never stopped), `--runs` times.

    .venv/bin/python -m bench.faults [--runs 3] [--only redis,web,...]

Needs Docker and redis-server (as `make test` leaves them). Faults, and what is printed:
- redis: Redis stopped 10 s with an events, a terminal and an operation socket open and an
  operation in flight: how the sockets closed, a socket opened meanwhile, the seconds from Redis
  back to the host online, to a terminal that echoes, to the operation's end; its end state.
- host-worker: a host worker SIGKILLed while an operation waits on the engine: the seconds to the
  operation's definite end, then from a new worker to the container's state right.
- portal-worker: the portal worker SIGKILLed between container changes: the seconds from a new
  one to the API matching the engine.
- web: the web process SIGKILLed with a terminal open: the seconds to a new web answering, to the
  shell gone from the container, to the session record ended (BERTH_TERMINAL_ORPHANED_AFTER is
  4 s here, 60 s by default: add 56 s for production).
- engine: the engine's socket gone 5 s while the engine runs on, a container removed and one made
  meanwhile: the seconds to "unreachable", then from its return to reachable, and to exact.
- dockerd: a dockerd of the benchmark's own (tests/support/private_dockerd.py) stopped and started
  again for real, a container removed and one made the moment it answers: beside the baseline (from
  starting dockerd to `docker info` answering), the seconds from dockerd answering to the host
  reachable, to the inventory exact (states too: the restart stopped a container, started another),
  to an operation done, and from a CLI change after to Berth listing it (the event stream again);
  then the same dockerd SIGKILLed with a container running that ignores SIGTERM (15 s stop timeout)
  and started again: how the host was seen while dockerd took connections but answered none.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from tests.support.docker_cli import remove_test_objects
from tests.support.dockerd_restart import crash_dockerd, restart_dockerd
from tests.support.faults import (
    FaultStack,
    engine_gone_and_back,
    kill_host_worker_mid_operation,
    kill_portal_worker,
    kill_web_with_terminal_open,
    labelled_container,
    stop_redis,
)
from tests.support.private_dockerd import PrivateDockerd
from tests.support.processes import wait_until
from tests.support.redis_server import RedisServer
from tests.support.socket_proxy import UnixSocketProxy

FAULTS = ("redis", "host-worker", "portal-worker", "web", "engine", "dockerd")


def figures(label: str, values: list[float], target: str = "") -> str:
    return f"  {label:<52} median {statistics.median(values):6.2f} s   worst {max(values):6.2f} s   {target}"


class Bench:
    def __init__(self, root: Path):
        self.root = root
        self.redis = RedisServer(root / "redis").start()
        self.stack = FaultStack(data_dir=root / "berth", redis_url=self.redis.url).start()
        self.count = 0

    def name(self, what: str) -> str:
        self.count += 1
        return f"bench-faults-{what}-{self.count}"

    def host(self, docker_host: str | None = None) -> tuple[dict, object]:
        name = self.name("host")
        worker = self.stack.host_worker(name, docker_host=docker_host)
        return self.stack.wait_for_host(name, "online", timeout=30), worker

    def stop(self) -> None:
        self.stack.stop()
        self.redis.stop()


def bench_redis(bench: Bench, runs: int) -> None:
    host, _ = bench.host()
    results = []
    for _ in range(runs):
        shell = labelled_container(bench.stack, host, bench.name("shell"))
        victim = labelled_container(bench.stack, host, bench.name("victim"))
        results.append(stop_redis(bench.stack, bench.redis, host, shell, victim, seconds=10))
    print("Redis stopped 10 s, then started again")
    for result in results:
        refused = [kind for kind, _ in result.first_terminal if kind != "echoed"]
        print(
            f"  sockets closed {result.closes}; opened meanwhile {result.during}; terminals refused before one "
            f"echoed: {refused}; operation {result.operation['state']} ({result.operation['error_code'] or 'ok'}); "
            f"container {result.container_state} in Berth, {result.engine_state} on the engine"
        )
    print(figures("Redis back → host online", [r.host_back for r in results], "target ≤ 10 s"))
    print(figures("Redis back → a terminal echoes", [r.terminal_back for r in results]))
    print(figures("Redis back → the operation in flight ended", [r.operation_end for r in results]))


def bench_host_worker(bench: Bench, runs: int) -> None:
    results = []
    for _ in range(runs):
        host, worker = bench.host()
        victim = labelled_container(bench.stack, host, bench.name("victim"))
        results.append(kill_host_worker_mid_operation(bench.stack, worker, host, victim))
    print("A host worker SIGKILLed while its operation waits on the engine")
    for result in results:
        print(
            f"  operation {result.operation['state']} ({result.operation['error_code'] or 'ok'}); container "
            f"{result.container_state} in Berth, {result.engine_state} on the engine"
        )
    print(figures("kill → the operation's definite end", [r.operation_end for r in results]))
    print(figures("new worker → the container's state right in Berth", [r.converged for r in results]))


def bench_portal_worker(bench: Bench, runs: int) -> None:
    host, _ = bench.host()
    results = [kill_portal_worker(bench.stack, host, bench.name("pw")) for _ in range(runs)]
    print("The portal worker SIGKILLed between container changes (3 before, 3 and a removal after)")
    print(figures("new portal worker → the API matches the engine", [r.converged for r in results]))


def bench_web(bench: Bench, runs: int) -> None:
    host, _ = bench.host()
    results = []
    for _ in range(runs):
        shell = labelled_container(bench.stack, host, bench.name("shell"))
        results.append(kill_web_with_terminal_open(bench.stack, shell))
    print("The web process SIGKILLed with a terminal open")
    print(figures("kill → a new web process answers", [r.web_back for r in results]))
    print(figures("kill → the shell is gone from the container", [r.exec_gone for r in results]))
    print(figures("kill → the session record is ended (orphaned after 4 s)", [r.session_closed for r in results]))


def bench_engine(bench: Bench, runs: int) -> None:
    proxy = UnixSocketProxy(bench.root / "docker.sock")
    proxy.start()
    host, _ = bench.host(docker_host=f"unix://{proxy.path}")
    wait_until(lambda: bench.stack.host(host["slug"])["engine_reachable"], 30, what="the engine reachable")
    results = [engine_gone_and_back(bench.stack, proxy, host, bench.name("engine")) for _ in range(runs)]
    print("The engine's socket gone 5 s while the engine runs on, a container removed and one made meanwhile")
    print(figures("engine gone → the host says it is unreachable", [r.unreachable for r in results]))
    print(figures("engine back → reachable", [r.reachable for r in results]))
    print(figures("engine back → the inventory matches the engine", [r.exact for r in results]))


def bench_dockerd(bench: Bench, runs: int) -> None:
    with PrivateDockerd() as dockerd:
        dockerd.start()
        dockerd.load_image()
        host, worker = bench.host(docker_host=dockerd.url)
        wait_until(lambda: bench.stack.host(host["slug"])["engine_reachable"], 30, what="the engine reachable")
        results = [restart_dockerd(bench.stack, dockerd, worker, host, bench.name("dockerd")) for _ in range(runs)]
        crashes = [crash_dockerd(bench.stack, dockerd, host, bench.name("stubborn")) for _ in range(runs)]
    print("A dockerd stopped (SIGTERM) and started again for real; a container removed and one made as it answers")
    for result in results:
        exact = "exact" if result.listed == result.engine else f"NOT exact: {result.listed} != {result.engine}"
        print(f"  refused meanwhile: {result.refused[0]} {result.refused[1].get('code')}; inventory {exact}")
    print(figures("dockerd stop (its containers stopped with it)", [r.stopped for r in results]))
    print(figures("SIGTERM → the host says it is unreachable", [r.unreachable for r in results]))
    print(figures("baseline: dockerd started → `docker info` answers", [r.engine_answered for r in results]))
    print(figures("dockerd answers → the host reachable", [r.reachable for r in results]))
    print(figures("dockerd answers → the inventory equals the engine's", [r.exact for r in results]))
    print(figures("dockerd answers → an operation done", [r.usable for r in results]))
    print(figures("a CLI change after → listed (the event stream)", [r.followed for r in results]))
    print("The same dockerd SIGKILLed, a container running that ignores SIGTERM (15 s), and started again")
    for crash in crashes:
        print(f"  the host while dockerd started: {dict(crash.seen)}")
    print(figures("SIGKILL → the host says it is unreachable", [c.unreachable for c in crashes]))
    print(figures("baseline: dockerd started → `docker info` answers", [c.engine_answered for c in crashes]))
    print(figures("dockerd answers → reachable, the container exited", [c.exact for c in crashes]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(FAULTS), help=f"a comma-separated subset of {', '.join(FAULTS)}")
    args = parser.parse_args(argv)
    chosen = [fault for fault in args.only.split(",") if fault]
    if unknown := set(chosen) - set(FAULTS):
        parser.error(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
    runners = {
        "redis": bench_redis,
        "host-worker": bench_host_worker,
        "portal-worker": bench_portal_worker,
        "web": bench_web,
        "engine": bench_engine,
        "dockerd": bench_dockerd,
    }
    root = Path(tempfile.mkdtemp(prefix="berth-bench-faults-"))
    bench = Bench(root)
    try:
        for fault in chosen:
            runners[fault](bench, args.runs)
            sys.stdout.flush()
    finally:
        bench.stop()
        remove_test_objects()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
