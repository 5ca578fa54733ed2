"""The one way the portal puts a task on a host's queue: signed with the portal's key for that
host and that task (wire.signing), so the host runs it and no other host would."""

from __future__ import annotations

from typing import Any

from portal.hosts.portal_key import portal_key
from wire.names import host_queue
from wire.signing import sign_task

__all__ = ["send_host_task"]


def send_host_task(app, slug: str, name: str, kwargs: dict[str, Any] | None = None, **options) -> None:
    app.send_task(name, kwargs=sign_task(portal_key(), name, slug, kwargs or {}), queue=host_queue(slug), **options)
