"""What the user may do on each host they see, for pages to enable buttons (or say why not)."""

from __future__ import annotations

from portal.access.policy import can, role_on
from portal.hosts.models import Host

__all__ = ["OPERATION_ACTIONS", "host_rights"]

OPERATION_ACTIONS = ("container.operate", "container.manage", "image.manage")


def host_rights(request) -> dict[int, dict]:
    """{host id: {"name", "role", "status", action: allowed…}} for every host the user sees."""
    rights = {}
    for host in Host.objects.restrict(request, "host.view").only("pk", "name", "status", "last_seen"):
        role = role_on(request, host)
        rights[host.pk] = {
            "name": host.name,
            "role": role.name.lower() if role is not None else "",
            "online": host.current_status == "online",
            **{action: can(request, action, host) for action in OPERATION_ACTIONS},
        }
    return rights
