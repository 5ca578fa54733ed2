"""Find Redis at REDIS_URL, or start one locally when the URL points at this machine."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import redis

__all__ = ["RedisProblem", "local_redis_command", "private_redis_users", "redis_answers"]

LOCAL_NAMES = {"127.0.0.1", "localhost", "::1", ""}


class RedisProblem(Exception):
    """No Redis answers and none can be started; the message says how to fix it."""


def redis_answers(url: str, timeout: float = 1.0) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def _install_redis() -> str | None:
    """Install Debian's redis-server when we may (root with apt-get); the binary's path or None."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    print("Redis is not installed: installing Debian's redis-server…", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "redis-server"]):
        if subprocess.run(command, env=env, check=False).returncode != 0:
            return None
    return shutil.which("redis-server")


def private_redis_users(data_dir: Path) -> tuple[str, Path]:
    """The password of the default user of the Redis `make run` starts, and its ACL file (both
    0600 in the data directory, made once): Berth's portal uses that user, and gives each host a
    user of its own in the same file (portal/hosts/broker_users.py). Without a password on the
    default user, any host could use it instead of its own."""
    data_dir.mkdir(parents=True, exist_ok=True)
    password_file, acl_file = data_dir / "redis-password", data_dir / "users.acl"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(32) + "\n")
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    if not acl_file.exists():
        digest = hashlib.sha256(password.encode()).hexdigest()
        acl_file.write_text(f"user default on #{digest} ~* &* +@all\n")
        acl_file.chmod(0o600)
    return password, acl_file


def local_redis_command(url: str, data_dir: Path, acl_file: Path | None = None) -> list[str]:
    """The command that starts a Redis for `url` on this machine, or RedisProblem saying why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or (parts.hostname or "") not in LOCAL_NAMES:
        raise RedisProblem(
            f"No Redis answers at {url}. Start that Redis, or unset REDIS_URL to let `make run` "
            "start one on 127.0.0.1:6379."
        )
    if parts.scheme == "rediss":
        raise RedisProblem(f"No Redis answers at {url}, and `make run` starts only plain local Redis.")
    binary = shutil.which("redis-server") or _install_redis()
    if binary is None:
        raise RedisProblem(
            f"No Redis answers at {url} and redis-server is not installed. Install it "
            "(apt-get install redis-server) or point REDIS_URL at a running Redis."
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    bind = "::1" if parts.hostname == "::1" else "127.0.0.1"
    command = [binary, "--bind", bind, "--port", str(parts.port or 6379), "--dir", str(data_dir)]
    command += ["--save", "60 1", "--appendonly", "no", "--daemonize", "no"]
    if acl_file is not None:
        command += ["--aclfile", str(acl_file)]
    elif parts.password:
        # Clients (redis-py, kombu) decode %-escapes in the URL's password; the server must get it decoded too.
        command += ["--requirepass", unquote(parts.password)]
    return command


def wait_for_redis(url: str, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if redis_answers(url, timeout=0.5):
            return True
        time.sleep(0.2)
    return False
