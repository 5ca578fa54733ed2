"""Navigation shared by every page: only the sections the user may open are shown."""

from portal.access.policy import ANYWHERE, can

__all__ = ["navigation"]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_teams": can(request, "team.manage"),
        "nav_users": can(request, "user.manage"),
        "nav_audit": can(request, "audit.view", ANYWHERE),
        "nav_registries": can(request, "registry.view", ANYWHERE),
    }
