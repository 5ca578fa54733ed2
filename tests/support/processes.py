"""Real Berth processes for integration tests and benchmarks: web (uvicorn), portal worker,
host workers, each logging to a file the test can read."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from stack.commands import portal_worker_command, web_command
from wire.names import host_slug

__all__ = ["REPO", "BerthProcess", "Stack", "free_port", "wait_until"]

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _ephemeral_ports() -> range:
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


# Below the kernel's ephemeral range: a port from within it can be taken while its server is down
# (stopped by a fault test, restarting) by any outgoing connection, or by a client reconnecting to
# that very port, which then connects to itself (TCP simultaneous open) and reads its own commands
# back as answers, for good.
SERVER_PORTS = range(20000, 32000)


def free_port() -> int:
    """A port nothing listens on, outside the ephemeral range (SERVER_PORTS), for a test's server."""
    ephemeral = _ephemeral_ports()
    candidates = [p for p in SERVER_PORTS if p not in ephemeral]
    for port in random.sample(candidates, 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {SERVER_PORTS.start}-{SERVER_PORTS.stop - 1} out of the ephemeral range")


def wait_until(check: Callable[[], object], timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll `check` until it returns something truthy; its value, or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if value := check():
                return value
        except (requests.RequestException, OSError) as exc:
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what} (last error: {last_error})")


@dataclass
class BerthProcess:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def send_signal(self, signum: int) -> None:
        if self.alive():
            self.popen.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 20) -> int:
        self.send_signal(signum)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            return self.popen.wait(5)


@dataclass
class Stack:
    """One Berth installation in a temporary data directory, talking to a dedicated Redis db."""

    data_dir: Path
    redis_url: str
    admin_password: str = "integration-admin-pass"
    # Empty: SQLite in the data directory; else the URL of the database every process uses.
    database_url: str = ""
    port: int = field(default_factory=free_port)
    processes: list[BerthProcess] = field(default_factory=list)
    token: str = ""
    # What each host's enrollment showed, by slug: a second worker for the same name gets the same.
    enrollments: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "BERTH_DATA_DIR": str(self.data_dir),
            "REDIS_URL": self.redis_url,
            "DJANGO_SUPERUSER_USERNAME": "admin",
            "DJANGO_SUPERUSER_PASSWORD": self.admin_password,
            "PYTHONUNBUFFERED": "1",
            # The tests serve git stacks' repositories on loopback (tests/support/git_server.py).
            "BERTH_GIT_ALLOWED_NETWORKS": "127.0.0.0/8",
        }
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(extra)
        return env

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> BerthProcess:
        log_path = self.data_dir / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        handle = log_path.open("ab")
        popen = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        process = BerthProcess(name, popen, log_path)
        self.processes.append(process)
        return process

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=REPO, env=self.env(), capture_output=True, text=True, check=True
        )
        return result.stdout

    def start(self) -> Stack:
        self.manage("migrate", "--noinput")
        self.manage("ensure_admin")
        self.spawn(
            "web",
            web_command("127.0.0.1", self.port, proxy_headers=False),
            self.env(),
        )
        self.spawn(
            "portal-worker",
            portal_worker_command(f"portal-{self.port}@%h"),
            self.env(),
        )
        wait_until(lambda: requests.get(f"{self.base_url}/login/", timeout=2).ok, 30, what="the web process")
        self.token = self.post(
            "/api/v1/auth/token/", {"username": "admin", "password": self.admin_password}, auth=False
        ).json()["token"]
        return self

    def host_worker(
        self, name: str, docker_host: str | None = None, env: dict[str, str] | None = None, heartbeat: float = 2.0
    ) -> BerthProcess:
        worker_env = self.env(**(env or {}))
        # A host worker gets nothing of the portal's: no database, no Django settings.
        for key in (
            "DJANGO_SETTINGS_MODULE",
            "BERTH_DATA_DIR",
            "DJANGO_SUPERUSER_USERNAME",
            "DJANGO_SUPERUSER_PASSWORD",
        ):
            worker_env.pop(key, None)
        if docker_host:
            worker_env["DOCKER_HOST"] = docker_host
        worker_env.update(self.enroll(name))
        command = [PYTHON, "-m", "workers", "--name", name, "--heartbeat", str(heartbeat)]
        return self.spawn(f"host-{name}", command, worker_env)

    def enroll(self, name: str) -> dict[str, str]:
        """The environment enrollment shows for this host (added now if Berth does not know it; a
        host known from before, or removed and added again, is enrolled afresh)."""
        slug = host_slug(name)
        known = self.host(slug)
        if known is not None and slug in self.enrollments:
            return self.enrollments[slug]
        if known is None:
            response = self.post("/api/v1/hosts/", {"name": name})
        else:
            response = self.post(f"/api/v1/hosts/{known['id']}/rotate/", {})
        assert response.status_code == 201, response.text
        self.enrollments[slug] = response.json()["enrollment"]["env"]
        return self.enrollments[slug]

    def headers(self, auth: bool = True) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"} if auth else {}

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.base_url + path, headers=self.headers(), timeout=10, **kwargs)

    def post(self, path: str, data: dict, auth: bool = True) -> requests.Response:
        return requests.post(self.base_url + path, json=data, headers=self.headers(auth), timeout=10)

    def host(self, slug: str) -> dict | None:
        hosts = self.get("/api/v1/hosts/", params={"name": slug}).json()["results"]
        return next((h for h in hosts if h["slug"] == slug), None)

    def wait_for_host(self, slug: str, status: str, timeout: float = 20, **fields) -> dict:
        def check():
            host = self.host(slug)
            if host and host["status"] == status and all(host.get(k) == v for k, v in fields.items()):
                return host
            return None

        return wait_until(check, timeout, what=f"host {slug} to be {status} {fields or ''}".strip())

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
