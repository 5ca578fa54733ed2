"""`GET /api/v1/containers/{id}/logs/?tail=&since=&timestamps=`: a container's logs as a plain
text download, both streams in the order the engine gives them (as `docker logs` prints them).

The web process never reads an engine: the host worker sends the logs over the stream bridge
(a `logs.open` without follow) and they are passed on as they come, acked as they are written,
so a large log costs the web process one window of chunks, not the whole file.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

from channels.layers import get_channel_layer
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers
from rest_framework.views import APIView

from portal.access.shortcuts import get_visible_or_404
from portal.containers.log_params import LogParamsError, log_params
from portal.containers.models import Container
from portal.hosts.choices import HostStatus
from portal.hosts.errors import HostOffline
from wire import streams as m
from wire.names import host_stream_channel

__all__ = ["ContainerLogsDownload"]

VIEW = "container.view"


class PlainTextRenderer(renderers.BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.get("detail", "") if isinstance(data, dict) else str(data)


async def logs_body(host_slug: str, engine_id: str, params: dict) -> AsyncIterator[bytes]:
    """The logs as the worker streams them; a failure midway ends the text with a line saying so."""
    layer = get_channel_layer()
    reply_to = await layer.new_channel()
    request = m.open_request("logs", uuid.uuid4().hex, reply_to, engine_id, **{**params, "follow": False})
    await layer.send(host_stream_channel(host_slug), request)
    channel, seq, over = None, 0, False
    try:
        while True:
            try:
                wait = m.OPEN_TIMEOUT if channel is None else m.PEER_TIMEOUT
                message = await asyncio.wait_for(layer.receive(reply_to), wait)
            except TimeoutError:
                yield b"\n[Berth] The host worker did not answer: the logs are incomplete.\n"
                return
            kind = message.get("type")
            if kind == m.READY:
                channel = message["channel"]
            elif kind == m.DATA:
                if message.get("seq") != seq + 1:
                    yield b"\n[Berth] Part of the logs was lost between the host and Berth.\n"
                    return
                seq = message["seq"]
                yield "".join(entry["data"] for entry in message["data"]).encode()
                if seq % m.ACK_EVERY == 0:
                    await layer.send(channel, {"type": m.ACK, "seq": seq})
            elif kind in (m.END, m.ERROR):
                over = True
                if kind == m.ERROR:
                    yield f"\n[Berth] {message.get('message')}\n".encode()
                return
    finally:
        if channel is not None and not over:  # the client went away: the worker stops reading
            await layer.send(channel, {"type": m.CLOSE})


class ContainerLogsDownload(APIView):
    """The container's logs as a text file (what it wrote so far; not followed)."""

    renderer_classes = [renderers.JSONRenderer, PlainTextRenderer]

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
            400: OpenApiResponse(description="A bad tail, since or timestamps."),
            404: OpenApiResponse(description="No such container, or not visible to you."),
            503: OpenApiResponse(description="The container's host is offline."),
        },
    )
    def get(self, request, pk: int):
        container = get_visible_or_404(request, Container.objects.select_related("host"), VIEW, pk=pk)
        if container.removed_at is not None:
            raise exceptions.NotFound("This container was removed; its logs went with it.")
        try:
            params = log_params(request.query_params)
        except LogParamsError as exc:
            raise exceptions.ValidationError({"detail": str(exc)}) from exc
        host = container.host
        if host.current_status != HostStatus.ONLINE:
            raise HostOffline(host, "its containers' logs cannot be read now.")
        response = StreamingHttpResponse(
            logs_body(host.slug, container.engine_id, params), content_type="text/plain; charset=utf-8"
        )
        filename = re.sub(r"[^A-Za-z0-9_.-]+", "_", container.name) or "container"
        response["Content-Disposition"] = f'attachment; filename="{filename}.log"'
        response["Cache-Control"] = "no-store"
        return response
