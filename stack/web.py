"""The web process's command line: one ASGI server for pages, the API and websockets."""

import sys

__all__ = ["web_command"]


def web_command(bind: str, port: int | str, proxy_headers: bool = True) -> list[str]:
    """Uvicorn serving portal.asgi. It pings idle websockets (so proxies do not cut them) and,
    unlike some servers, sends the close reason Berth's refusals carry."""
    command = [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", bind, "--port", str(port)]
    command += ["--lifespan", "off", "--ws-ping-interval", "20", "--ws-ping-timeout", "20", "--no-server-header"]
    if proxy_headers:
        command.append("--proxy-headers")
    return command
