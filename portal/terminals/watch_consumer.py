"""`/ws/sessions/{id}/watch/`: a live terminal session, read-only, for an admin of its host or
someone its owner invited (the policy's `session.watch`).

The watcher is first sent the screen as it is now (rebuilt from the host worker's tail by
portal.terminals.screen), as one binary frame after a `{"type": "ready", "session", "cols",
"rows"}` text frame, then every byte the owner is sent, as binary frames; `{"type": "resize"}` when
the owner resizes, `{"type": "over"}` when the session ends. Frames from the watcher are ignored
but for ping. Refusals: 4404 (no such live session), 4403 (not allowed to watch it).

What the host sends a watcher is signed with a key the watcher sealed to the host in its WATCH
(wire.stream_signing); anything else is dropped and noted on the host's page (portal.ws.streams).
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

from portal.access.policy import can
from portal.refusals import Forbidden, NotFound
from portal.terminals.models import TerminalSession
from portal.terminals.screen import screen_now
from portal.terminals.watching import owner_group, watch_began, watch_ended
from portal.ws.consumers import BerthJsonConsumer
from portal.ws.streams import ForgedNotes, sealed_key_for
from wire import stream_watch as w
from wire import streams as m
from wire.stream_signing import KEY_FIELD

__all__ = ["WatchConsumer"]

log = logging.getLogger(__name__)

WATCH = "session.watch"


class WatchConsumer(BerthJsonConsumer):
    session: TerminalSession | None = None
    watch = None

    async def start(self):
        pk = self.scope["url_route"]["kwargs"]["pk"]
        self.session = await database_sync_to_async(self._find)(pk)
        self.key, self.sealed_key = sealed_key_for(self.session.host)
        self.forged = ForgedNotes(self.session.host.slug, "watch")
        self.expected: int | None = None  # the next output byte, once the screen was sent
        self._renew = asyncio.get_running_loop().create_task(self._keep_watching())

    def _find(self, pk: int) -> TerminalSession:
        session = TerminalSession.objects.select_related("host").filter(pk=pk, ended_at=None).first()
        if session is None or not session.stream_channel:
            raise NotFound("No such live session.")
        if not can(self.access, WATCH, session):
            # Audited by the socket's door, as every refusal the policy makes (portal.audit.refusals).
            raise Forbidden(
                "You may not watch this session: ask its owner to invite you.",
                action=WATCH,
                target=session,
                detail={"session": session.pk},
            )
        self.watch = watch_began(session, self.scope["user"], self._client_ip())
        return session

    def _client_ip(self) -> str | None:
        client = self.scope.get("client")
        return client[0] if client else None

    async def _tell_owner(self, event: str) -> None:
        await self.channel_layer.group_send(
            owner_group(self.session.pk),
            {"type": "terminal.watchers", "event": event, "user": self.scope["user"].get_username()},
        )

    async def _keep_watching(self) -> None:
        """WATCH now and every KEEPALIVE_EVERY: joins, says one is still there, and (dropped for
        falling behind) starts again from the tail."""
        await self._tell_owner("joined")
        while True:
            try:
                await self._send_watch()
            except Exception as exc:  # Redis away a moment: the next turn tries again
                log.info("Could not renew a watch of session %s: %s", self.session.pk, exc)
            await asyncio.sleep(m.KEEPALIVE_EVERY)

    async def _send_watch(self) -> None:
        message = {"type": w.WATCH, "reply_to": self.channel_name, KEY_FIELD: self.sealed_key}
        await self.channel_layer.send(self.session.stream_channel, message)

    # -- from the host worker -----------------------------------------------------------------------

    async def dispatch(self, message):
        kind = message.get("type", "")
        if kind.startswith("watch."):
            signed = self.key.verify(message) if getattr(self, "key", None) is not None else None
            if signed is None:
                if forged := getattr(self, "forged", None):
                    await forged.note(message)
                return
            message = signed
            # Output skips Channels' per-message database clean-up (a trip to a thread each), as the
            # owner's stream chunks do (portal.ws.streams): its handler does not use the database.
            if kind == w.OUTPUT:
                await self.watch_output(message)
                return
        await super().dispatch(message)

    async def watch_tail(self, message):
        cols, rows = int(message.get("cols") or 80), int(message.get("rows") or 24)
        data = message.get("data") or b""
        offset = int(message.get("offset") or 0)
        screen = await asyncio.to_thread(screen_now, data, cols, rows, offset == 0)
        self.expected = offset + len(data)
        await self.send_json({"type": "ready", "session": self.session.pk, "cols": cols, "rows": rows})
        await self.send(bytes_data=screen)

    async def watch_output(self, message):
        if self.expected is None:
            return
        offset, data = int(message.get("offset") or 0), message.get("data") or b""
        if offset > self.expected:  # a part went missing: start again from the tail
            self.expected = None
            await self.channel_layer.send(
                self.session.stream_channel, {"type": w.UNWATCH, "reply_to": self.channel_name}
            )
            await self._send_watch()
            return
        data = data[self.expected - offset :]
        if data:
            self.expected += len(data)
            await self.send(bytes_data=data)

    async def watch_resized(self, message):
        await self.send_json({"type": "resize", "cols": message.get("cols"), "rows": message.get("rows")})

    async def watch_over(self, message):
        await self.send_json({"type": "over"})
        await self.end(1000, "The session is over.")

    async def terminal_ended(self, message):
        await self.watch_over(message)

    # -- from the browser -----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is not None:
            await super().receive(text_data=text_data)

    async def still_allowed(self) -> bool:
        return await database_sync_to_async(can)(self.access, WATCH, self.session)

    async def disconnect(self, code):
        if renew := getattr(self, "_renew", None):
            renew.cancel()
        if self.session is not None and self.watch is not None:
            try:
                await self.channel_layer.send(
                    self.session.stream_channel, {"type": w.UNWATCH, "reply_to": self.channel_name}
                )
            finally:
                await database_sync_to_async(watch_ended)(self.watch, self._client_ip())
                await self._tell_owner("left")
        await super().disconnect(code)
