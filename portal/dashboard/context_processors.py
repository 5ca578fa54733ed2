"""Navigation shared by every page: only the sections the user may open are shown."""

from portal.access.policy import scope_for

__all__ = ["navigation"]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(request)
    return {
        "nav_teams": scope.allows("team.manage"),
        "nav_users": scope.allows("user.manage"),
        "nav_audit": scope.allows_anywhere("audit.view"),
        "nav_registries": scope.allows_anywhere("registry.view"),
    }
