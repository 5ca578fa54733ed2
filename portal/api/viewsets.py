"""The base of every API viewset: reads are restricted by the policy, actions are checked by it
(portal/api/permissions.py).

A viewset names the policy action for each of its actions in `policy_actions`; an action
without an entry is refused loudly (ImproperlyConfigured), never allowed by default.
"""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import viewsets

from portal.api.permissions import PolicyPermission
from portal.hosts.models import Host

__all__ = ["RestrictedModelViewSet", "RestrictedViewSetMixin"]


class RestrictedViewSetMixin:
    policy_actions: dict[str, str] = {}
    view_action: str = ""
    # The body field (query parameter for a GET) in which a collection action names its host.
    policy_host_param: str = ""
    # The host a collection action was allowed on, once PolicyPermission found it.
    policy_host: Host | None = None
    permission_classes = [PolicyPermission]

    def policy_action(self) -> str:
        try:
            return self.policy_actions[self.action]
        except KeyError:
            raise ImproperlyConfigured(
                f"{type(self).__name__} has no policy action for {self.action!r}; add it to policy_actions."
            ) from None

    def get_queryset(self):
        if not self.view_action:
            raise ImproperlyConfigured(f"{type(self).__name__} sets no view_action.")
        # What the user may not see does not exist for them: a 404, never a 403.
        return super().get_queryset().restrict(self.request, self.view_action)


class RestrictedModelViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
