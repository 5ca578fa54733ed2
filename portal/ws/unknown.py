"""The websocket route of last resort: a path no consumer serves is accepted and closed with
4404 and a reason, instead of Channels' "No route found" (an HTTP 500 and a traceback)."""

import logging

from channels.generic.websocket import AsyncWebsocketConsumer

__all__ = ["UnknownPathConsumer"]

log = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404


class UnknownPathConsumer(AsyncWebsocketConsumer):
    # No channel layer (Channels gives None for an alias not configured): this consumer receives
    # nothing from one, and so a Redis outage cannot fail its refusal.
    channel_layer_alias = "none"

    async def connect(self):
        log.info("Websocket to unknown path %s refused (4404)", self.scope.get("path", "")[:200])
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND, reason="No such websocket path.")

    async def receive(self, text_data=None, bytes_data=None):
        """Frames that raced the close are dropped."""
