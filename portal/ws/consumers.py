"""The base of every Berth websocket consumer.

A refusal accepts and closes at once with a code and a reason, because a browser sees a
handshake refused before accept only as a bare failure, without a code: 4401 not logged in,
4403 not allowed, 4404 no such object (or not visible), 4409 not running, 4503 host offline.
`start()` refuses by raising a portal.refusals.Refusal, whose status gives the code (4000 + status).
A refusal the policy made (it names its action) is sent as `socket_refused` first, which the
audit trail records as the API's refusals are (portal/audit/refusals.py; the audit trail sits
above this base, hence a signal).
"""

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import HASH_SESSION_KEY
from django.core.exceptions import ObjectDoesNotExist
from django.dispatch import Signal
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from portal.access.policy import AccessScope
from portal.refusals import Refusal
from portal.ws.revocation import user_group

log = logging.getLogger(__name__)

# The largest JSON control frame a socket reads (a control message is a few dozen bytes).
MAX_CONTROL_FRAME = 64 * 1024

__all__ = ["BerthJsonConsumer", "socket_refused"]

# Sent (sender: the consumer class; scope, refusal) when a socket is refused by the policy.
socket_refused = Signal()

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403


class BerthJsonConsumer(AsyncJsonWebsocketConsumer):
    """Subclasses implement `start()`; the user is known and the scope computed before it runs."""

    groups_joined: set

    async def connect(self):
        self.groups_joined = set()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_NOT_LOGGED_IN, "Log in to Berth first.")
            return
        # Changes to this user's teams, roles, tokens or sessions arrive here (portal.ws.revocation).
        # Joined before the scope is computed, so a change committed in between is not missed.
        await self.join(user_group(user.pk))
        self.access = await database_sync_to_async(AccessScope.for_user)(user)
        await self.accept()
        if expires_at := self.scope.get("auth_token_expires_at"):
            self._expiry = asyncio.create_task(self._close_at(expires_at))
        try:
            await self.start()
        except Refusal as refusal:
            if refusal.action:
                await database_sync_to_async(socket_refused.send)(type(self), scope=self.scope, refusal=refusal)
            await self.end(refusal.close_code, refusal.close_reason)

    async def start(self):
        raise NotImplementedError

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """JSON text frames go to receive_json; anything else gets an error message and one log
        line, and the socket stays open (a client's bad frame is no reason to drop its stream)."""
        if text_data is None:
            await self.bad_frame("Binary frames are not understood on this socket: send JSON text.")
            return
        if len(text_data) > MAX_CONTROL_FRAME:
            await self.bad_frame(f"A frame on this socket may hold at most {MAX_CONTROL_FRAME:,} characters.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self.bad_frame('That frame is not JSON: send an object such as {"type": "ping"}.')
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        """Control messages this socket understands; by default, none but ping."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def bad_frame(self, message: str) -> None:
        user = self.scope.get("user")
        log.info("Bad frame on %s from %s: %s", self.scope.get("path", ""), getattr(user, "pk", None), message)
        await self.send(text_data=json.dumps({"type": "error", "message": message}))

    async def _close_at(self, expires_at) -> None:
        """A token's socket lives no longer than the token."""
        await asyncio.sleep(max(0.0, (expires_at - timezone.now()).total_seconds()))
        await self.end(CLOSE_NOT_LOGGED_IN, "The token this connection used expired.")

    async def still_allowed(self) -> bool:
        """Whether what this socket shows is still allowed under `self.access`; subclasses say."""
        raise NotImplementedError

    async def access_changed(self) -> None:
        """Called with the new scope in `self.access`; closes the socket if it is no longer allowed."""
        if not await self.still_allowed():
            await self.end(CLOSE_FORBIDDEN, "Your access to this was withdrawn.")

    async def berth_access_changed(self, message):
        user = self.scope["user"]
        try:
            await database_sync_to_async(user.refresh_from_db)()
        except ObjectDoesNotExist:
            await self.end(CLOSE_NOT_LOGGED_IN, "Your account was removed.")
            return
        self.access = await database_sync_to_async(AccessScope.for_user)(user)
        if not self.access.authenticated:
            await self.end(CLOSE_NOT_LOGGED_IN, "Your account was deactivated.")
            return
        if not await database_sync_to_async(self._session_still_valid)(user):
            await self.end(CLOSE_NOT_LOGGED_IN, "Your password changed: log in again.")
            return
        await self.access_changed()

    def _session_still_valid(self, user) -> bool:
        """Django's own rule: a session logged in before the password changed is void."""
        session = self.scope.get("session")
        if self.scope.get("auth_token_id") is not None or session is None:
            return True
        stored = session.get(HASH_SESSION_KEY)
        return stored is None or constant_time_compare(stored, user.get_session_auth_hash())

    async def berth_session_ended(self, message):
        session = self.scope.get("session")
        if (
            self.scope.get("auth_token_id") is None
            and session is not None
            and (session.session_key == message["session_key"])
        ):
            await self.end(CLOSE_NOT_LOGGED_IN, "You logged out.")

    async def berth_token_revoked(self, message):
        if self.scope.get("auth_token_id") == message["token_id"]:
            await self.end(CLOSE_NOT_LOGGED_IN, "The token this connection used was revoked.")

    async def refuse(self, code: int, reason: str) -> None:
        await self.accept()
        await self.close(code=code, reason=reason)

    async def end(self, code: int, reason: str) -> None:
        """Closes an accepted socket. Its groups are left first: a message arriving before the
        server's disconnect would otherwise be sent after the close, which the server refuses."""
        for group in list(self.groups_joined):
            await self.leave(group)
        await self.close(code=code, reason=reason)

    async def join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def leave(self, group: str) -> None:
        await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined.discard(group)

    async def disconnect(self, code):
        if expiry := getattr(self, "_expiry", None):
            expiry.cancel()
        for group in list(getattr(self, "groups_joined", ())):
            await self.leave(group)
