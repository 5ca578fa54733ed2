"""`GET /api/v1/containers/{id}/logs/?tail=&since=&timestamps=`: a container's logs as a plain
text download, both streams in the order the engine gives them (as `docker logs` prints them).

The web process never reads an engine: the host worker sends the logs over the stream bridge
(a `logs.open` without follow, through portal.ws.streams.StreamClient) and they are passed on as
they come, acked as they are written, so a large log costs the web process one window of chunks,
not the whole file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import aclosing

import redis
from channels.layers import get_channel_layer
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.views import APIView

from portal.api.schema import reaches_out
from portal.containers.log_params import log_params
from portal.containers.models import Container
from portal.refusals import NotFound
from portal.ws.streams import Failed, Output, StreamClient

__all__ = ["ContainerLogsDownload"]

log = logging.getLogger(__name__)

VIEW = "container.view"
INCOMPLETE = "\n[Berth] The host worker did not answer: the logs are incomplete.\n"
FAILURES = {
    "no_answer": INCOMPLETE,
    "silent": INCOMPLETE,
    "gap": "\n[Berth] Part of the logs was lost between the host and Berth.\n",
}


class PlainTextRenderer(renderers.BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.get("detail", "") if isinstance(data, dict) else str(data)


async def logs_body(host, engine_id: str, params: dict) -> AsyncIterator[bytes]:
    """The logs as the worker streams them; a failure midway ends the text with a line saying so."""
    layer = get_channel_layer()
    try:
        client = StreamClient(layer, await layer.new_channel())
        await client.open("logs", host, engine_id, **{**params, "follow": False})
        async with aclosing(client.events()) as events:  # the client went away: the worker stops reading
            async for event in events:
                if isinstance(event, Output):
                    yield "".join(entry["data"] for entry in event.data).encode()
                elif isinstance(event, Failed):
                    yield FAILURES.get(event.cause, f"\n[Berth] {event.message}\n").encode()
    except (redis.RedisError, OSError) as exc:
        # The answer (200) has started: the text says why it ends here, rather than breaking off.
        log.warning("Logs download of %s on host %s ended: the broker is unreachable: %s", engine_id, host.slug, exc)
        yield f"\n[Berth] Berth cannot reach its broker ({exc}): the logs are incomplete.\n".encode()


class ContainerLogsDownload(APIView):
    """The container's logs as a text file (what it wrote so far; not followed)."""

    renderer_classes = [renderers.JSONRenderer, PlainTextRenderer]
    view_action = VIEW  # its rows: the containers the user may see

    @extend_schema(
        parameters=[
            OpenApiParameter("tail", str, description="Only the last N lines (default: all)."),
            OpenApiParameter(
                "since", str, description="Only lines since a Unix time, an RFC 3339 time or a duration ago (10m)."
            ),
            OpenApiParameter("timestamps", bool, description="Start each line with the time it was written."),
        ],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="The logs."),
        },
    )
    @reaches_out
    def get(self, request, pk: int):
        container = get_object_or_404(
            Container.objects.select_related("host").restrict(request, self.view_action), pk=pk
        )
        if container.removed_at is not None:
            raise NotFound("This container was removed; its logs went with it.")
        params = log_params(request.query_params)
        host = container.host
        host.require_usable("its containers' logs cannot be read now.")
        response = StreamingHttpResponse(
            logs_body(host, container.engine_id, params), content_type="text/plain; charset=utf-8"
        )
        filename = re.sub(r"[^A-Za-z0-9_.-]+", "_", container.name) or "container"
        response["Content-Disposition"] = f'attachment; filename="{filename}.log"'
        response["Cache-Control"] = "no-store"
        return response
