"""Writing the audit trail. Every mutation, login and terminal session calls `record`."""

from __future__ import annotations

import logging

from portal.access.policy import host_id_of
from portal.access.secrets import redact
from portal.audit.choices import Outcome
from portal.audit.models import AuditEvent
from portal.hosts.models import Host

__all__ = ["client_ip", "record"]

log = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client's address as the ASGI server saw it (it honours proxy headers when told to)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    request=None,
    user=None,
    target=None,
    target_type: str = "",
    target_id: str = "",
    host=None,
    outcome: str = Outcome.SUCCESS,
    source_ip: str | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target_id or str(target.pk)
    if host is None and target is not None:
        host_id = host_id_of(target)
        if host_id is not None:
            host = Host.objects.filter(pk=host_id).first()
    event = AuditEvent.objects.create(
        user=user,
        username=user.get_username()
        if user is not None
        else getattr(request, "principal_name", "") or (detail or {}).get("username", ""),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=str(target)[:300] if target is not None else "",
        host=host,
        host_name=host.name if host is not None else "",
        outcome=outcome,
        source_ip=source_ip or client_ip(request),
        detail=redact(detail),
    )
    log.info("audit: %s", event)
    return event
