"""A container's changes (`docker diff`), asked of its host worker: the request goes on the host's
stream channel, the answer comes back in a Redis list of its own that the web request waits on
with a timeout — so a web request never waits on an engine for long, and never opens a Docker
socket. (A reply on a process-local channel-layer channel would need this request's thread to
share the event loop of the process's websocket consumers; a Redis list needs no loop at all.)"""

from __future__ import annotations

import json
from functools import cache

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException

from portal.containers.models import Container
from portal.operations.api.refusals import Conflict
from portal.operations.dispatch import require_online
from wire.names import host_stream_channel
from wire.tasks import DiffReply, DiffRequest

__all__ = ["DIFF_TIMEOUT", "request_changes"]

DIFF_TIMEOUT = 15


class HostTimeout(APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_code = "host_timeout"


class HostUnreachable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "broker_unreachable"


@cache
def _waiting_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=DIFF_TIMEOUT + 5)


def request_changes(container: Container) -> list[dict]:
    require_online(container.host)
    request = DiffRequest.within(DIFF_TIMEOUT, container.engine_id, container.name)
    try:
        async_to_sync(get_channel_layer().send)(host_stream_channel(container.host.slug), request.to_wire())
        answer = _waiting_client().blpop([request.reply_key], timeout=DIFF_TIMEOUT)
    except redis.RedisError as exc:
        raise HostUnreachable(f"Berth cannot reach its broker to ask host {container.host.name}: {exc}.") from None
    if answer is None:
        raise HostTimeout(f"Host {container.host.name} did not answer within {DIFF_TIMEOUT} s: try again.")
    reply = DiffReply.from_wire(json.loads(answer[1]))
    if reply.error:
        raise Conflict(reply.error, reply.code or "engine_error")
    return reply.changes
