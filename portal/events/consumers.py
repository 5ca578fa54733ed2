"""`/ws/events/`: live inventory changes, only for hosts the user may see."""

from channels.db import database_sync_to_async

from portal.access.policy import can
from portal.access.secrets import mask_event, may_see_secrets
from portal.events.publish import HOSTS_GROUP, host_group
from portal.hosts.models import Host
from portal.ws.consumers import BerthJsonConsumer

__all__ = ["EventsConsumer"]

VIEW = "host.view"


class EventsConsumer(BerthJsonConsumer):
    async def _visible_hosts(self) -> set[int]:
        return set(
            await database_sync_to_async(
                lambda: list(Host.objects.restrict(self.access, VIEW).values_list("pk", flat=True))
            )()
        )

    async def start(self):
        self.host_ids = await self._visible_hosts()
        await self.join(HOSTS_GROUP)
        for host_id in self.host_ids:
            await self.join(host_group(host_id))
        await self.send_json({"type": "hello", "hosts": sorted(self.host_ids)})

    async def still_allowed(self) -> bool:
        return True  # the stream itself stays; what flows through it follows the new scope

    async def access_changed(self):
        visible = await self._visible_hosts()
        for host_id in self.host_ids - visible:
            await self.leave(host_group(host_id))
        for host_id in visible - self.host_ids:
            await self.join(host_group(host_id))
        self.host_ids = visible
        # Pages re-read what they show, as after a reconnect.
        await self.send_json({"type": "hello", "hosts": sorted(visible)})

    async def berth_event(self, message):
        host_id = message["host_id"]
        if host_id not in self.host_ids:
            # A host this connection has not seen before: ask the policy before forwarding.
            if not can(self.access, VIEW, host_id):
                return
            self.host_ids.add(host_id)
            await self.join(host_group(host_id))
        # Each event names the action it needs (containers, images, …) on its host.
        if not can(self.access, message.get("action", VIEW), host_id):
            return
        if message["event"]["type"] == "host.removed":
            self.host_ids.discard(host_id)
            await self.leave(host_group(host_id))
        event = message["event"]
        # One message serves every user: each sees the secrets their own role on the host allows.
        await self.send_json(event if may_see_secrets(self.access, host_id) else mask_event(event))
