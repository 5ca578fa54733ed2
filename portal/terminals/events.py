"""A terminal session's start and end, published for open pages and the alert rules
(`terminal.sensitive`, portal/alerts): to users the policy lets `session.view` on the host."""

from __future__ import annotations

from portal.events.publish import publish

__all__ = ["publish_session"]


def publish_session(session, started: bool) -> None:
    body = {
        "id": session.pk,
        "kind": session.kind,
        "username": session.username,
        "container": session.container_id,
        "container_name": session.container_name,
    }
    event = {"type": "terminal.started" if started else "terminal.ended", "session": body}
    publish(session.host_id, event, action="session.view")
