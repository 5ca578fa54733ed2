"""Refusals in the audit trail: every door records a denied attempt the same way, here.

The API's permission class records what the policy refused it (portal/api/permissions.py); the
API's exception handler (portal/api/errors.py), the page middleware (portal/refusal_pages.py)
and the sockets (portal/ws/consumers.py, through the `socket_refused` signal, since the socket
base sits below the audit trail) record a portal.refusals.Refusal that names the policy action it
refused. Each is one row: the action, the user, the target and its host, outcome denied, and
where it was asked (`method`, `path`; a socket's method is WEBSOCKET) with the refusal's sentence.
"""

from __future__ import annotations

from django.dispatch import receiver

from portal.audit.choices import Outcome
from portal.audit.models import AuditEvent
from portal.audit.record import record
from portal.refusals import Refusal
from portal.ws.consumers import socket_refused

__all__ = ["SOCKET_METHOD", "record_refusal", "record_refusal_of"]

SOCKET_METHOD = "WEBSOCKET"


def record_refusal(
    action: str,
    *,
    request=None,
    user=None,
    target=None,
    source_ip: str | None = None,
    method: str = "",
    path: str = "",
    reason: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """The denied attempt to `action` (on `target`, which `detail` may say more of), by the
    request's user or `user`."""
    if request is not None:
        method, path = method or request.method, path or request.path
    detail = {**(detail or {}), "method": method, "path": path}
    if reason:
        detail["reason"] = reason
    return record(
        action, request=request, user=user, target=target, outcome=Outcome.DENIED, source_ip=source_ip, detail=detail
    )


def record_refusal_of(refusal: Refusal, request, target=None) -> AuditEvent | None:
    """A page's or the API's refusal, if the policy made it (it names its action)."""
    if not refusal.action:
        return None
    return record_refusal(
        refusal.action, request=request, target=refusal.target or target, reason=refusal.sentence, detail=refusal.detail
    )


@receiver(socket_refused, dispatch_uid="berth-audit-socket-refusal")
def audit_socket_refusal(sender, scope, refusal: Refusal, **kwargs):
    client = scope.get("client")
    record_refusal(
        refusal.action,
        user=scope.get("user"),
        target=refusal.target,
        source_ip=client[0] if client else None,
        method=SOCKET_METHOD,
        path=scope.get("path", ""),
        reason=refusal.sentence,
        detail=refusal.detail,
    )
