"""The one door for rows: `Model.objects.restrict(user_or_request, action)`.

Every policy-governed model's manager is built from RestrictedQuerySet, and the model declares
who holds its rows (portal/access/policy.py lists the declarations), so no app filters by hand.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

from portal.access.policy import is_own_action, scope_for
from portal.access.team_owned import team_owned_filter

__all__ = ["RestrictedQuerySet"]

NOTHING = Q(pk__in=[])


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user_or_request, action: str):
        """The rows the user may `action`: a 404 for the rest, never a 403."""
        scope = scope_for(user_or_request)
        model = self.model
        if getattr(model, "policy_team_field", None):
            return self.filter(team_owned_filter(scope, action, model))
        if not hasattr(model, "policy_host_field"):
            raise ImproperlyConfigured(f"{model.__name__} declares no policy_host_field (None for no host).")
        owner = getattr(model, "policy_owner_field", "")
        if owner and not scope.authenticated:
            return self.none()
        mine = Q(**{owner: scope.user_id}) if owner else NOTHING
        if action in getattr(model, "policy_guest_actions", ()):
            mine |= Q(**{model.policy_guest_field: scope.user_id})
        if owner and is_own_action(action):
            return self.filter(mine)
        if model.policy_host_field is None:
            on_hosts = Q() if scope.allows(action) else NOTHING
        else:
            on_hosts = scope.host_filter(action, model.policy_host_field)
        if not on_hosts:  # an empty Q is every row (and `Q() | mine` would be just mine)
            return self.all()
        return self.filter(on_hosts | mine) if owner else self.filter(on_hosts)
