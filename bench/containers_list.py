"""Concurrent API clients on the containers list (a page of 50) against real web processes.

    .venv/bin/python -m bench.containers_list [--clients 50] [--seconds 20] [--processes N]
                                              [--containers 1000] [--hosts 5] [--profile]

A fresh SQLite database (WAL, as `make run` uses) in a temporary data directory, seeded with
bulk_create; N uvicorn web processes (default: BERTH_WEB_PROCESSES, else one per core) share one
listening socket as under `make run` (stack/__main__.py). 50 clients, each on its own keep-alive
connection, ask `GET /api/v1/containers/` with a token, one request after another, for the given
seconds (after 3 s of the same as warm-up). Prints requests/s, p50/p95/p99, errors, and the CPU each web
process and this client used (the client shares the machine's cores: its share is printed); then the
baseline: as many clients asking the local Docker engine itself for a page of its containers, as long.

With --profile: 300 of the same requests through Django's test client in this process under
cProfile (the whole middleware, authentication, DRF and serializer path, less the network), and
the functions where the time went, with queries per request.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.inventory_apply import setup_django
from stack.__main__ import listening_sockets
from stack.commands import web_command
from tests.support.processes import REPO, wait_until

URL = "/api/v1/containers/"


def seed(containers: int, hosts: int) -> str:
    """Hosts, containers and an admin's token, in the database setup_django made; the token."""
    import uuid

    from django.utils import timezone

    from portal.containers.models import Container
    from portal.hosts.models import Host
    from tests.portal.factories import make_superuser, make_token

    rows = Host.objects.bulk_create(
        Host(slug=f"load-{i}", name=f"load-{i}", status="online", engine_reachable=True) for i in range(hosts)
    )
    now = timezone.now()
    Container.objects.bulk_create(
        (
            Container(
                host=rows[i % hosts],
                engine_id=uuid.uuid4().hex * 2,
                name=f"c-{i}",
                image="registry.local:5000/team/app:1.0",
                image_id="sha256:" + "0" * 64,
                command="sleep 1000",
                state=("running", "exited")[i % 2],
                created=now,
                started_at=now,
                finished_at=None if i % 2 == 0 else now,
                exit_code=None if i % 2 == 0 else 137,
                ports=[{"PrivatePort": 80, "PublicPort": 8000 + i % 1000, "Type": "tcp", "IP": "127.0.0.1"}],
                labels={"app": "load", "i": str(i), "com.docker.compose.project": "bench"},
                version=1,
            )
            for i in range(containers)
        ),
        batch_size=1000,
    )
    return make_token(make_superuser("load-admin"))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def read_answer(reader) -> int:
    """One HTTP/1.1 answer read whole (Content-Length or chunked); its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    lines = head.lower().split(b"\r\n")
    lengths = [int(line.split(b":", 1)[1]) for line in lines if line.startswith(b"content-length")]
    if lengths:
        await reader.readexactly(lengths[0])
        return status
    while size := int((await reader.readuntil(b"\r\n")).strip(), 16):  # chunked (Docker's longer answers)
        await reader.readexactly(size + 2)
    await reader.readuntil(b"\r\n")
    return status


async def client(connect, request: bytes, until: float, warm_until: float, latencies: list, errors: list):
    reader, writer = await connect()
    try:
        while (started := time.perf_counter()) < until:
            writer.write(request)
            status = await read_answer(reader)
            if started >= warm_until:
                (latencies if status == 200 else errors).append(time.perf_counter() - started)
    finally:
        writer.close()


async def load(port: int, token: str, clients: int, seconds: float, warm_up: float = 3.0) -> tuple[list, list]:
    request = (
        f"GET {URL} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n"
        "Accept: application/json\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    return await _many(lambda: asyncio.open_connection("127.0.0.1", port), request, clients, seconds, warm_up)


async def load_docker(socket_path: str, clients: int, seconds: float) -> tuple[list, list]:
    """The baseline: as many clients asking the local engine itself for a page of its containers."""
    request = b"GET /containers/json?all=1&limit=50 HTTP/1.1\r\nHost: docker\r\nConnection: keep-alive\r\n\r\n"
    return await _many(lambda: asyncio.open_unix_connection(socket_path), request, clients, seconds, 0.0)


async def _many(connect, request: bytes, clients: int, seconds: float, warm_up: float) -> tuple[list, list]:
    latencies, errors = [], []
    now = time.perf_counter()
    await asyncio.gather(
        *(client(connect, request, now + warm_up + seconds, now + warm_up, latencies, errors) for _ in range(clients))
    )
    return latencies, errors


def figures(latencies: list[float], errors: list, elapsed: float) -> list[str]:
    ms = sorted(value * 1000 for value in latencies) or [0.0]
    return [
        f"  {len(latencies) / elapsed:7.1f} requests/s, {len(errors)} errors",
        f"  p50 {statistics.median(ms):7.1f} ms   p95 {ms[int(len(ms) * 0.95)]:7.1f} ms   "
        f"p99 {ms[int(len(ms) * 0.99)]:7.1f} ms   max {ms[-1]:7.1f} ms",
    ]


def web_processes(default: int) -> int:
    return int(os.environ.get("BERTH_WEB_PROCESSES") or default)


def measure(args) -> int:
    data_dir = tempfile.mkdtemp(prefix="berth-bench-list-")
    env = {
        **os.environ,
        "BERTH_DATA_DIR": data_dir,
        "BERTH_LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("BERTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/8"),
    }
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "bench.containers_list", "--seed", data_dir]
    command += ["--containers", str(args.containers), "--hosts", str(args.hosts)]
    seeded = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, check=True)
    token = json.loads(seeded.stdout.strip().splitlines()[-1])
    listeners = listening_sockets("127.0.0.1", "0", args.processes)  # as `make run` binds them
    port = listeners[0].getsockname()[1]
    server_profile = Path(data_dir) / "web.prof"
    webs = []
    for number, listener in enumerate(listeners):
        command = web_command("127.0.0.1", port, proxy_headers=False, fd=listener.fileno())
        if args.profile_server and number == 0:  # the first web process under cProfile
            command = [command[0], "-m", "cProfile", "-o", str(server_profile), *command[1:]]
        webs.append(
            subprocess.Popen(command, cwd=REPO, env=env, pass_fds=[listener.fileno()], stdout=subprocess.DEVNULL)
        )
    try:
        import requests

        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).ok, 30, what="the web processes")
        asyncio.run(load(port, token, args.clients, seconds=3.0, warm_up=0.0))  # imports, caches, connections
        load_avg = os.getloadavg()[0]
        cpu_before = [cpu_seconds(web.pid) for web in webs]
        mine_before = time.process_time()
        started = time.perf_counter()
        latencies, errors = asyncio.run(load(port, token, args.clients, args.seconds, warm_up=0.0))
        elapsed = time.perf_counter() - started
        cpu = [(cpu_seconds(web.pid) - before) / elapsed for web, before in zip(webs, cpu_before, strict=True)]
        mine = (time.process_time() - mine_before) / elapsed
    finally:
        for web in webs:
            # SIGINT: uvicorn raises it again once stopped, which lets cProfile write its file.
            web.send_signal(signal.SIGINT)
        for web in webs:
            web.wait(10)
        for listener in listeners:
            listener.close()
    print(
        f"GET {URL} (page of 50 of {args.containers} containers on {args.hosts} hosts): {args.clients} clients, "
        f"{args.processes} web process(es), {args.seconds:.0f} s; load average before {load_avg:.2f}"
    )
    print("\n".join(figures(latencies, errors, elapsed)))
    print("  CPU: " + ", ".join(f"web {i + 1} {share:.0%}" for i, share in enumerate(cpu)) + f", clients {mine:.0%}")
    web_cpu_ms = sum(cpu) * elapsed / max(1, len(latencies) + len(errors)) * 1000
    print(f"  web CPU per request {web_cpu_ms:.1f} ms")
    docker_socket = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://")
    if Path(docker_socket).exists():
        started = time.perf_counter()
        latencies, errors = asyncio.run(load_docker(docker_socket, args.clients, args.seconds))
        import docker

        listed = len(docker.APIClient(base_url=f"unix://{docker_socket}").containers(all=True, limit=50))
        print(
            f"baseline: the local engine's own GET /containers/json?all=1&limit=50 ({listed} containers), "
            f"{args.clients} clients"
        )
        print("\n".join(figures(latencies, errors, time.perf_counter() - started)))
    if args.profile_server:
        stats = pstats.Stats(str(server_profile))
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)
    return 0


def profile(args) -> int:
    with tempfile.TemporaryDirectory(prefix="berth-bench-list-") as data_dir:
        setup_django(data_dir)
        from django.conf import settings
        from django.db import connection
        from django.test import Client

        settings.ALLOWED_HOSTS = ["*"]
        token = seed(args.containers, args.hosts)
        client = Client(HTTP_AUTHORIZATION=f"Token {token}")
        for _ in range(20):  # warm: imports, caches, the first queries
            assert client.get(URL).status_code == 200
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
            client.get(URL)
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(300):
            client.get(URL)
        plain = (time.perf_counter() - started) / 300 * 1000
        plain_cpu = (time.process_time() - cpu_started) / 300 * 1000
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(300):
            client.get(URL)
        profiler.disable()
        per_request = (time.perf_counter() - started) / 300 * 1000
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        ours = r"portal|rest_framework|django/(core/handlers|middleware|contrib)"
        stats.sort_stats("cumulative").print_stats(ours, 40)
        print(
            f"{plain:.2f} ms per request in this process ({plain_cpu:.2f} ms of CPU; {per_request:.2f} ms under "
            f"cProfile), {len(queries)} queries:"
        )
        for sql in queries:
            print(f"  {sql[:200]}")
        print(out.getvalue())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=web_processes(os.cpu_count() or 1))
    parser.add_argument("--containers", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile the request in this process")
    parser.add_argument("--profile-server", action="store_true", help="run the first web process under cProfile")
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        setup_django(args.seed)
        print(json.dumps(seed(args.containers, args.hosts)))
        return 0
    return profile(args) if args.profile else measure(args)


if __name__ == "__main__":
    sys.exit(main())
