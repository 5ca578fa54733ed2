"""The API's one permission class: every route's declared policy action is enforced here.

- A detail route (retrieve, update, destroy, `@action(detail=True)`) asks `can` on its object
  once the viewset has found it among the rows the user may see (has_object_permission).
- A collection route (create, `@action(detail=False)`) asks `can` on the host its request names,
  when the viewset declares where a request names one (`policy_host_param`): a host the user
  may not see is a 404, a visible host where their role falls short a 403. A request that names
  no host is asked "anywhere", which for an action the policy grants only on all hosts means all
  hosts. The handler finds the host it was allowed on in `view.policy_host`.
- A list is its rows: Model.objects.restrict, applied by RestrictedViewSetMixin.get_queryset.

A refusal (403) goes into the audit trail as a denied attempt (portal/audit/refusals.py).
"""

from collections.abc import Mapping

from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound, PermissionDenied

from portal.access.policy import ANYWHERE, can
from portal.audit.refusals import record_refusal
from portal.hosts.models import Host

__all__ = ["PolicyPermission"]

_HOST_ID = serializers.IntegerField()


def _is_detail(view) -> bool:
    detail = getattr(view, "detail", None)
    if detail is None:  # a viewset wired by hand rather than by a router
        return (view.lookup_url_kwarg or view.lookup_field) in view.kwargs
    return detail


def named_host_id(request, view) -> int | None:
    """The host id the request names in the viewset's `policy_host_param` (the body, or the query
    of a GET), read as the serializers read it; None when it names none, or nothing readable
    (the serializer then answers the 400)."""
    param = getattr(view, "policy_host_param", "")
    if not param:
        return None
    source = request.query_params if request.method in permissions.SAFE_METHODS else request.data
    value = source.get(param) if isinstance(source, Mapping) else None
    if value in (None, ""):
        return None
    try:
        return _HOST_ID.to_internal_value(value)
    except serializers.ValidationError:
        return None


class PolicyPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        # OPTIONS has no action; a detail route is asked on its object; a list is its rows.
        if view.action is None or view.action == "list" or _is_detail(view):
            return True
        action = view.policy_action()
        host_id = named_host_id(request, view)
        if host_id is None:
            return can(request, action, ANYWHERE) or self.refuse(request, view)
        host = Host.objects.filter(pk=host_id).first()
        if host is None or not can(request, "host.view", host):
            raise NotFound(f"Host {host_id} does not exist, or is not visible to you.")
        if not can(request, action, host):
            self.refuse(request, view, obj=host)
            raise PermissionDenied(f"Your role on host {host.name} does not allow this.")
        view.policy_host = host
        return True

    def has_object_permission(self, request, view, obj):
        return can(request, view.policy_action(), obj) or self.refuse(request, view, obj=obj)

    @staticmethod
    def refuse(request, view, action: str = "", obj=None) -> bool:
        """Records the refusal and answers False. The browsable API asks "what if" with a copy of
        the request under another method, to decide which forms to draw: that is no attempt."""
        if request.method == request._request.method:
            record_refusal(action or view.policy_action(), request=request, target=obj)
        return False
