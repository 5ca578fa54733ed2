"""Guarding whole pages by a policy action that belongs to no one host (managing teams, users)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from portal.access.policy import can

__all__ = ["allowed_or_404"]


def allowed_or_404(action: str):
    """Logged in, or off to the login page; then a 404 unless the policy allows `action` on all
    hosts (a 404, never a 403, so the page does not tell who may use it)."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not can(request, action):
                raise Http404("Not found, or not visible to you.")
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorate
