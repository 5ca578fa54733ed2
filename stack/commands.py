"""The command lines of the portal's processes, shared by `make run` and the tests."""

import os
import sys
from pathlib import Path

__all__ = ["UVICORN_LOGGING", "portal_worker_command", "web_command"]

UVICORN_LOGGING = Path(__file__).resolve().parent / "uvicorn_logging.json"


# Seconds a stopping web process waits for open requests and websockets before it closes them.
GRACEFUL_SHUTDOWN_SECONDS = 5


def log_level() -> str:
    """BERTH_LOG_LEVEL (INFO by default; `make run` makes it WARNING, so people see what matters)."""
    return os.environ.get("BERTH_LOG_LEVEL", "INFO").upper()


def web_command(bind: str, port: int | str, proxy_headers: bool = True, fd: int | None = None) -> list[str]:
    """Uvicorn serving portal.asgi. It pings idle websockets (so proxies do not cut them) and,
    unlike some servers, sends the close reason Berth's refusals carry. With `fd`, it serves a
    listening socket it inherited (several web processes share one port that way). Its logging is
    uvicorn's own, with tokens taken out of every line (a websocket's `?token=` is in its path).

    Websocket frames are not compressed (permessage-deflate off): deflating every terminal
    frame was the web process's largest single cost under a hundred busy terminals (py-spy,
    docs/architecture.md), and compressing a socket's secrets beside bytes an attacker chooses
    (what a shell echoes) is what compression side channels feed on."""
    where = ["--fd", str(fd)] if fd is not None else ["--host", bind, "--port", str(port)]
    command = [sys.executable, "-m", "uvicorn", "portal.asgi:application", *where]
    command += ["--lifespan", "off", "--ws-ping-interval", "20", "--ws-ping-timeout", "20", "--no-server-header"]
    command += ["--ws-per-message-deflate", "false"]
    command += ["--timeout-graceful-shutdown", str(GRACEFUL_SHUTDOWN_SECONDS)]
    command += ["--log-config", str(UVICORN_LOGGING), "--log-level", log_level().lower()]
    if proxy_headers:
        command.append("--proxy-headers")
    return command


def portal_worker_command(node_name: str = "portal@%h") -> list[str]:
    """Celery on queue `portal`: applies host reports, watches liveness. Threads, not forks:
    the liveness watch runs beside the tasks in the same process. Quiet: no banner (the worker
    says in one line when it is ready: portal/celery.py)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "--quiet",
        "worker",
        "-Q",
        "portal",
        "-P",
        "threads",
        "-c",
        "4",
        "-n",
        node_name,
        "-l",
        log_level(),
        "--without-mingle",
        "--without-gossip",
    ]
