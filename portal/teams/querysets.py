"""Rows that belong to no host — teams, memberships, role bindings, user accounts.

They answer to actions the policy grants only on all hosts ("team.manage", "user.manage"):
whoever holds such an action sees every row, anyone else sees none. Giving a viewset one of
these querysets keeps RestrictedViewSetMixin's one permission path.
"""

from django.db import models

from portal.access.policy import scope_for

__all__ = ["HostlessQuerySet"]


class HostlessQuerySet(models.QuerySet):
    def restrict(self, user_or_request, action: str):
        return self if scope_for(user_or_request).allows(action) else self.none()
