"""Shortcuts for HTML views, so each page asks the policy the same way."""

from django.shortcuts import get_object_or_404

from portal.access.policy import restrict

__all__ = ["get_visible_or_404"]


def get_visible_or_404(request, queryset, action: str, **lookup):
    """The object, if it exists and the user may `action` it; otherwise a 404 (never a 403,
    which would confirm that something the user may not see exists)."""
    return get_object_or_404(restrict(queryset, request, action), **lookup)
