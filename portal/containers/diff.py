"""A container's changes (`docker diff`), asked of its host worker through the one stream client
(portal.ws.streams.StreamClient, kind "changes"), so a web request never opens a Docker socket
and never waits on an engine for long (DIFF_TIMEOUT).

The answer comes back on a plain channel of its own (`berth.reply.…`, no "!"), not on one of the
process-local channels a consumer uses: receiving a process-local channel takes the channel
layer's per-process receive lock, held by the event loop of the process's websocket consumers,
which a sync request's own loop would wait on forever. A plain channel is read directly, from
any loop, like a Redis list.
"""

from __future__ import annotations

import secrets
from contextlib import aclosing

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from portal.containers.models import Container
from portal.refusals import Conflict, HostTimeout, Unavailable
from portal.ws.streams import Ended, Failed, Output, StreamClient

__all__ = ["DIFF_TIMEOUT", "request_changes"]

DIFF_TIMEOUT = 15


async def _ask(container: Container) -> dict:
    """{"changes": […]}, {"error", "code"} (the engine refused), or {"failed": Failed}."""
    client = StreamClient(get_channel_layer(), f"berth.reply.diff.{secrets.token_hex(16)}")
    await client.open("changes", container.host, container.engine_id, subject=container.name)
    changes: list[dict] = []
    async with aclosing(client.events(timeout=DIFF_TIMEOUT)) as events:
        async for event in events:
            if isinstance(event, Output):
                if "error" in event.data:
                    return event.data
                changes += event.data.get("changes") or []
            elif isinstance(event, Ended):
                break
            elif isinstance(event, Failed):
                return {"failed": event}
    return {"changes": changes}


def request_changes(container: Container) -> list[dict]:
    host = container.host
    host.require_usable()
    try:
        answer = async_to_sync(_ask)(container)
    except redis.RedisError as exc:
        raise Unavailable(
            f"Berth cannot reach its broker to ask host {host.name}: {exc}.", "broker_unreachable"
        ) from None
    if failed := answer.get("failed"):
        if failed.cause == "error":
            raise Conflict(failed.message, "engine_error")
        raise HostTimeout(f"Host {host.name} did not answer within {DIFF_TIMEOUT} s: try again.")
    if "error" in answer:
        raise Conflict(answer["error"], answer.get("code") or "engine_error")
    return answer["changes"]
