"""Who watches a live terminal session: the group its owner's consumer listens on, and what is
recorded when someone joins, leaves or ends it (the audit trail, the session's recording)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from portal.audit.record import record
from portal.terminals.models import SessionInvite, SessionWatch, TerminalSession
from portal.ws.revocation import access_changed
from wire import stream_messages as sm

__all__ = ["end_session", "owner_group", "revoke_invite", "watch_began", "watch_ended", "watcher_names"]


def owner_group(session_pk: int) -> str:
    """The group of the consumer serving the session's owner: told of watchers and of an end."""
    return f"berth.terminal.{session_pk}"


def watcher_names(session_pk: int) -> list[str]:
    """Who watches now, each once, in the order they joined."""
    names = SessionWatch.objects.filter(session_id=session_pk, left_at=None).values_list("username", flat=True)
    return list(dict.fromkeys(names))


def watch_began(session: TerminalSession, user, source_ip: str | None) -> SessionWatch:
    watch = SessionWatch.objects.create(
        session=session, user=user, username=user.get_username(), joined_at=timezone.now()
    )
    record(
        "session.watch",
        user=user,
        target=session,
        host=session.host,
        source_ip=source_ip,
        detail={"session": session.pk, "owner": session.username, "event": "joined"},
    )
    return watch


def watch_ended(watch: SessionWatch, source_ip: str | None) -> None:
    if not SessionWatch.objects.filter(pk=watch.pk, left_at=None).update(left_at=timezone.now()):
        return
    record(
        "session.watch",
        user=watch.user,
        target=watch.session,
        host=watch.session.host,
        source_ip=source_ip,
        detail={"session": watch.session_id, "owner": watch.session.username, "event": "left"},
    )


def end_session(session: TerminalSession, request) -> None:
    """Someone (an admin of its host) ends a live session: its owner's page is told (and records
    it), its host worker stops the process (also while the owner's browser is away)."""
    user = request.user
    reason = f"{user.get_username()} ended this session."
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(owner_group(session.pk), {"type": "terminal.end", "user": user.get_username()})
    if session.stream_channel:
        async_to_sync(layer.send)(session.stream_channel, sm.Close().to_wire())
    TerminalSession.objects.filter(pk=session.pk, ended_at=None).update(
        ended_at=timezone.now(), end_reason=reason, detached_until=None
    )
    record(
        "session.end",
        request=request,
        target=session,
        host=session.host,
        detail={"session": session.pk, "owner": session.username, "reason": reason},
    )


def revoke_invite(invite: SessionInvite, request) -> None:
    """The owner takes back an invitation: the invited user's open sockets re-check what they may
    see at once (portal.ws.revocation), so a watch of this session closes with 4403."""
    session, guest = invite.session, invite.user
    with transaction.atomic():
        invite.delete()
        record(
            "session.invite.revoke",
            request=request,
            target=session,
            detail={"session": session.pk, "owner": session.username, "user": guest.get_username()},
        )
        access_changed([guest.pk])
