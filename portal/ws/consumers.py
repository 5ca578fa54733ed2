"""The base of every Berth websocket consumer.

A refusal accepts and closes at once with a code and a reason, because a browser sees a
handshake refused before accept only as a bare failure, without a code: 4401 not logged in,
4403 not allowed, 4404 no such object (or not visible), 4409 not running, 4503 host offline.
`start()` refuses by raising a portal.refusals.Refusal, whose status gives the code (4000 + status).
A refusal the policy made (it names its action) is sent as `socket_refused` first, which the
audit trail records as the API's refusals are (portal/audit/refusals.py; the audit trail sits
above this base, hence a signal).

Redis (the channel layer under every socket) failing is handled here for every consumer, once: an
error from the layer anywhere in a consumer's life (its receive, a handler, a group join at
connect, a task started with `background()`) closes the socket with 4503 and a reason, logged in
one line, rather than a 1006 (or, at connect, an HTTP 500) and a traceback. Pages reconnect.
"""

import asyncio
import contextlib
import json
import logging

import redis
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

__all__ = ["REDIS_LOST_REASON", "BerthJsonConsumer", "socket_refused"]

# Sent (sender: the consumer class; scope, refusal) when a socket is refused by the policy.
socket_refused = Signal()

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_REDIS_LOST = 4503
REDIS_LOST_REASON = "Berth lost its connection to Redis; reconnect in a moment."


class BerthJsonConsumer(AsyncJsonWebsocketConsumer):
    """Subclasses implement `start()`; the user is known and the scope computed before it runs."""

    groups_joined: set
    accepted = False
    closed = False
    redis_lost = False

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except redis.RedisError as error:
            await self.lost_redis(error)

    async def lost_redis(self, error: redis.RedisError, *, clean_up: bool = True) -> None:
        """Closes the socket with 4503 (accepting it first when Redis failed during the handshake),
        then, with `clean_up`, runs `disconnect` as far as it gets without Redis."""
        if not self.redis_lost:
            self.redis_lost = True
            log.warning(
                "Websocket %s closed (%d): Redis failed (%s: %s)",
                self.scope.get("path", ""),
                CLOSE_REDIS_LOST,
                type(error).__name__,
                error,
            )
        # The browser may have gone already, and then the server refuses the frames.
        with contextlib.suppress(OSError, RuntimeError):
            if not self.accepted:
                await self.accept()
            if not self.closed:
                await self.close(code=CLOSE_REDIS_LOST, reason=REDIS_LOST_REASON)
        if clean_up:
            with contextlib.suppress(redis.RedisError):
                await self.disconnect(CLOSE_REDIS_LOST)

    def background(self, coroutine) -> asyncio.Task:
        """A task beside the consumer's own loop. A Redis error in it closes the socket as above;
        the disconnect that follows cleans up, in the consumer's loop."""

        async def guarded():
            try:
                await coroutine
            except redis.RedisError as error:
                await self.lost_redis(error, clean_up=False)

        return asyncio.get_running_loop().create_task(guarded())

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def close(self, code=None, reason=None):
        self.closed = True
        await super().close(code, reason)

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
            self._expiry = self.background(self._close_at(expires_at))
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
