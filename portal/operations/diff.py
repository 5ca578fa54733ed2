"""A container's changes (`docker diff`), asked of its host worker over the channel layer: a
request on the host's stream channel and a reply on a channel of our own, with a timeout, so
a web request never waits on an engine for long (and never opens a Docker socket)."""

from __future__ import annotations

import asyncio
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework import status
from rest_framework.exceptions import APIException

from portal.containers.models import Container
from portal.operations.api.refusals import Conflict
from portal.operations.dispatch import require_online
from workers.protocol import CONTAINER_DIFF_REQUEST, host_stream_channel

__all__ = ["DIFF_TIMEOUT", "request_changes"]

DIFF_TIMEOUT = 15.0


class HostTimeout(APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_code = "host_timeout"


async def _ask(container: Container) -> dict:
    layer = get_channel_layer()
    reply_to = await layer.new_channel("berth.diff.")
    await layer.send(
        host_stream_channel(container.host.slug),
        {
            "type": CONTAINER_DIFF_REQUEST,
            "container_id": container.engine_id,
            "subject": container.name,
            "reply_to": reply_to,
            "deadline": time.time() + DIFF_TIMEOUT,
        },
    )
    try:
        return await asyncio.wait_for(layer.receive(reply_to), DIFF_TIMEOUT)
    except TimeoutError:
        raise HostTimeout(
            f"Host {container.host.name} did not answer within {DIFF_TIMEOUT:.0f} s: try again."
        ) from None


def request_changes(container: Container) -> list[dict]:
    require_online(container.host)
    answer = async_to_sync(_ask)(container)
    if "error" in answer:
        raise Conflict(answer["error"], answer.get("code") or "engine_error")
    return answer.get("changes") or []
