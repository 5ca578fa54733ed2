"""What the user may do on each host they see, for pages to enable buttons (or say why not), and
the page of a form that starts an operation on one of them."""

from __future__ import annotations

from django.shortcuts import render

from portal.access.policy import can, role_on
from portal.hosts.models import Host

__all__ = ["OPERATION_ACTIONS", "host_rights", "operation_form_page"]

OPERATION_ACTIONS = (
    "container.operate",
    "container.manage",
    "image.manage",
    "network.manage",
    "volume.manage",
    "container.privileged",
    "stack.operate",
    "stack.deploy",
    "stack.adopt",
)


def host_rights(request) -> dict[int, dict]:
    """{host id: {"name", "role", "online", action: allowed…}} for every host the user sees."""
    rights = {}
    hosts = Host.objects.restrict(request, "host.view").only("pk", "name", "status", "last_seen", "engine_reachable")
    for host in hosts:
        role = role_on(request, host)
        rights[host.pk] = {
            "name": host.name,
            "role": role.name.lower() if role is not None else "",
            "online": host.usable,  # a form offers only the hosts an operation can be sent to
            **{action: can(request, action, host) for action in OPERATION_ACTIONS},
        }
    return rights


def operation_form_page(request, template: str, action: str, **context):
    """A form page offering the hosts where the user may `action` (and whether each is online)."""
    rights = host_rights(request)
    hosts = [{"id": pk, "name": r["name"], "online": r["online"]} for pk, r in rights.items() if r[action]]
    return render(request, template, {"form_hosts": hosts, "host_rights": rights, **context})
