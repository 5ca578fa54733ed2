"""A queryset that every policy-governed model uses, so restriction is one call away."""

from django.db import models

from portal.access.policy import restrict

__all__ = ["RestrictedQuerySet"]


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user_or_request, action: str):
        return restrict(self, user_or_request, action)
