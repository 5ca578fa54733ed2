"""Telling open websockets that their user's access changed, so they re-check it at once.

Every Berth consumer listens on its user's group; the policy is computed again and anything
no longer allowed is closed within a second of the change being committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

__all__ = ["access_changed", "session_ended", "token_revoked", "user_group"]

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def _send(user_ids: list[int], message: dict) -> None:
    layer = get_channel_layer()

    async def send_all():
        for user_id in user_ids:
            try:
                await layer.group_send(user_group(user_id), message)
            except Exception:  # the socket keeps its old access until it reconnects: log loudly
                log.exception("Could not tell user %s's open sockets that their access changed", user_id)

    try:
        async_to_sync(send_all)()  # one event loop (and channel layer connection) for all of them
    except Exception:
        log.exception("Could not tell users %s that their access changed", user_ids)


def _after_commit(user_ids: Iterable[int], message: dict) -> None:
    user_ids = sorted(set(user_ids))
    if user_ids:
        transaction.on_commit(lambda: _send(user_ids, message))


def access_changed(user_ids: Iterable[int]) -> None:
    _after_commit(user_ids, {"type": "berth.access_changed"})


def session_ended(user_id: int, session_key: str | None) -> None:
    _after_commit([user_id], {"type": "berth.session_ended", "session_key": session_key or ""})


def token_revoked(user_id: int, token_id: int) -> None:
    _after_commit([user_id], {"type": "berth.token_revoked", "token_id": token_id})
