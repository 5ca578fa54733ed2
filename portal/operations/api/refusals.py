"""The host a new object goes on, asked of the policy before anything is sent to it."""

from rest_framework.exceptions import NotFound, PermissionDenied

from portal.access.policy import scope_for
from portal.api.viewsets import PolicyPermission
from portal.hosts.models import Host

__all__ = ["HostInBodyPermission", "host_for"]


def host_for(request, view, host_id: int, action: str) -> Host:
    """The host a new object goes on: 404 unless the user may see it, 403 (audited) unless they may `action` there."""
    host = Host.objects.restrict(request, "host.view").filter(pk=host_id).first()
    if host is None:
        raise NotFound(f"Host {host_id} does not exist, or is not visible to you.")
    if not scope_for(request).allows(action, host.pk):
        PolicyPermission.refuse(request, view, action=action, obj=host)
        raise PermissionDenied(f"Your role on host {host.name} does not allow this.")
    return host


class HostInBodyPermission(PolicyPermission):
    """For creating on a host the body names (run, pull, build…): the view asks the policy about
    that host (host_for), instead of requiring the role on every host."""

    def has_permission(self, request, view):
        if view.action == "create":
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)
