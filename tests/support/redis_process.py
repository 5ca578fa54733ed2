"""A private redis-server for tests that need ACLs: its own free loopback port, no persistence,
its default user behind a password (so Berth manages per-host users there). The shared Redis on
6379 is never given users or passwords."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass, field

import redis

from tests.support.processes import free_port, wait_until

__all__ = ["PrivateRedis"]


@dataclass
class PrivateRedis:
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def client(self, **kwargs) -> redis.Redis:
        return redis.Redis.from_url(self.url, **kwargs)

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        command += ["--requirepass", self.password, "--daemonize", "no", "--loglevel", "warning"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, 10, what="the private redis-server")
        return self

    def answers(self) -> bool:
        try:
            return bool(self.client(socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
