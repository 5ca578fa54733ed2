"""`/ws/containers/{id}/logs/` and `/ws/containers/{id}/stats/`: a container's logs and stats,
streamed from its host worker over the stream bridge (portal.ws.streams). Viewers may read both.

Logs: text frames, each a JSON list of {"stream": "stdout"|"stderr", "data": text} (a batch),
or a JSON object for the rest: {"type": "ready", "tty"}, then {"type": "end", "code", "reason"}
(the container stopped, or was removed) before a normal close. The browser may send
{"type": "pause"} and {"type": "resume"}: paused, the host worker stops reading the logs.

Stats: {"type": "ready"}, then {"type": "stats", "sample": {...engine.stats.StatsSample}}
about every second, and {"type": "end", ...} when the container stops. A container that is
not running is refused with 4409.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from channels.db import database_sync_to_async

from portal.access.policy import can
from portal.containers.checks import require_streamable
from portal.containers.log_params import log_params
from portal.containers.models import Container
from portal.refusals import NotFound
from portal.ws.streams import StreamConsumer
from wire import streams as m

__all__ = ["ContainerLogsConsumer", "ContainerStatsConsumer"]

VIEW = "container.view"


class ContainerStreamConsumer(StreamConsumer):
    """A stream of one container the user may view (404 for any other)."""

    kind = ""
    needs_running = True

    async def start(self):
        self.container = await self._visible_container(self.scope["url_route"]["kwargs"]["pk"])
        params = self.stream_params()
        await require_streamable(self.container, running=self.needs_running)
        await self.open_stream(self.kind, self.container.host, self.container.engine_id, **params)

    @database_sync_to_async
    def _visible_container(self, pk: int) -> Container:
        container = Container.objects.select_related("host").restrict(self.access, VIEW).filter(pk=pk).first()
        if container is None:
            raise NotFound("No such container.")
        return container

    def stream_params(self) -> dict:
        return {}

    async def still_allowed(self) -> bool:
        return can(self.access, VIEW, self.container)

    async def stream_opened(self, message: dict) -> None:
        await self.send_json({"type": "ready", **{k: v for k, v in message.items() if k == "tty"}})


class ContainerLogsConsumer(ContainerStreamConsumer):
    kind = "logs"
    needs_running = False  # a stopped container's logs are still there
    paused = False

    def stream_params(self) -> dict:
        query = dict(parse_qsl(self.scope.get("query_string", b"").decode(errors="replace")))
        return {**log_params(query), "follow": True}  # a LogParamsError closes with 4400

    async def stream_opened(self, message: dict) -> None:
        await super().stream_opened(message)
        if self.paused:  # asked before the worker was ready
            await self.send_to_stream(m.PAUSE)

    async def stream_output(self, data, seq: int) -> None:
        await self.send(text_data=json.dumps(data, separators=(",", ":")))

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind in ("pause", "resume"):
            self.paused = kind == "pause"
            await self.send_to_stream(m.PAUSE if self.paused else m.RESUME)


class ContainerStatsConsumer(ContainerStreamConsumer):
    kind = "stats"

    async def stream_output(self, data, seq: int) -> None:
        await self.send_json({"type": "stats", "sample": data})
