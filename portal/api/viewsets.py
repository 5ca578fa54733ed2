"""The base of every API viewset: reads are restricted by the policy, actions are checked by it.

A viewset names the policy action for each of its actions in `policy_actions`; an action
without an entry is refused loudly (ImproperlyConfigured), never allowed by default.
"""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import permissions, viewsets

from portal.access.policy import host_id_of, scope_for
from portal.audit.choices import Outcome
from portal.audit.record import record

__all__ = ["PolicyPermission", "RestrictedModelViewSet", "RestrictedViewSetMixin"]


class PolicyPermission(permissions.BasePermission):
    """Asks the policy: on the object for detail actions, on all hosts for creation.
    A refusal (403) goes into the audit trail as a denied attempt."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action == "create":
            return scope_for(request).allows(view.policy_action()) or self.refuse(request, view)
        return True

    def has_object_permission(self, request, view, obj):
        return scope_for(request).allows(view.policy_action(), host_id_of(obj)) or self.refuse(request, view, obj=obj)

    @staticmethod
    def refuse(request, view, action: str = "", obj=None) -> bool:
        """Records the refusal and answers False. The browsable API asks "what if" with a copy of
        the request under another method, to decide which forms to draw: that is no attempt."""
        if request.method == request._request.method:
            record(
                action or view.policy_action(),
                request=request,
                target=obj,
                outcome=Outcome.DENIED,
                detail={"method": request.method, "path": request.path},
            )
        return False


class RestrictedViewSetMixin:
    policy_actions: dict[str, str] = {}
    view_action: str = ""
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
