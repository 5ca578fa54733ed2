"""A Redis of a test's own (Debian's redis-server on a free loopback port, its own directory), for
faults that must not touch the shared Redis: stopping it, starting it again on the same port with
the data it saved, as a restarted Redis would."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.support.processes import free_port, wait_until

__all__ = ["RedisServer"]

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class RedisServer:
    directory: Path
    port: int = field(default_factory=free_port)
    popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Saved on stop, as `make run`'s Redis is (stack/redis_service.py): queued tasks and name
        # claims outlive a restart.
        command = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.directory)]
        command += ["--save", "60 1", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        with (self.directory / "redis.log").open("ab") as log:
            self.popen = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        # (alive too: a client of the port's own could answer a PING by reading its own back)
        wait_until(
            lambda: self.popen.poll() is None and self._answers(client), 15, what=f"redis-server on port {self.port}"
        )
        if self.popen.poll() is not None:
            raise AssertionError(f"redis-server on port {self.port} exited: see {self.directory / 'redis.log'}")
        return self

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> float:
        """Stops it (SIGTERM: it saves, then exits, dropping every connection); the seconds taken."""
        started = time.monotonic()
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        return time.monotonic() - started
