"""Driving operations through the API of a real stack, and following them on their socket."""

from __future__ import annotations

import asyncio
import json
import time

import requests
import websockets

from tests.support.aio import run_async
from tests.support.docker_cli import TEST_RUN
from tests.support.processes import Stack, wait_until

__all__ = ["LABELS", "call", "collect_socket", "container_named", "finished", "host_id"]

LABELS = {"berth.test": TEST_RUN}


def call(stack: Stack, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, stack.base_url + path, headers=stack.headers(), timeout=30, **kwargs)


def host_id(stack: Stack, slug: str) -> int:
    return stack.host(slug)["id"]


def finished(stack: Stack, operation: dict | int, timeout: float = 60) -> dict:
    """The operation once it succeeded or failed."""
    pk = operation if isinstance(operation, int) else operation["id"]

    def check():
        data = call(stack, "GET", f"/api/v1/operations/{pk}/").json()
        return data if data["state"] in ("succeeded", "failed") else None

    return wait_until(check, timeout, interval=0.05, what=f"operation {pk} to end")


def container_named(stack: Stack, host: int, name: str, state: str | None = None, timeout: float = 15) -> dict:
    def check():
        rows = call(stack, "GET", "/api/v1/containers/", params={"host": host, "name": name}).json()["results"]
        row = next((r for r in rows if r["name"] == name), None)
        return row if row and (state is None or row["state"] == state) else None

    return wait_until(check, timeout, what=f"container {name} to be {state or 'listed'}")


async def _collect(url: str, origin: str, token: str, until, timeout: float) -> list[tuple[float, dict]]:
    messages = []
    async with websockets.connect(f"{url}?token={token}", origin=origin, open_timeout=10) as socket:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(socket.recv(), max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            message = json.loads(raw)
            messages.append((time.monotonic(), message))
            if until(message):
                break
    return messages


def collect_socket(stack: Stack, operation_id: int, timeout: float = 60, until=None) -> list[tuple[float, dict]]:
    """(arrival time, message) of everything `/ws/operations/{id}/` sends until the final state."""
    until = until or (lambda m: m["type"] == "operation" and m["operation"]["state"] in ("succeeded", "failed"))
    url = stack.base_url.replace("http://", "ws://") + f"/ws/operations/{operation_id}/"
    return run_async(_collect(url, stack.base_url, stack.token, until, timeout))
