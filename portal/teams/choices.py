from django.db import models

__all__ = ["RoleName"]


class RoleName(models.TextChoices):
    """The roles a team can hold, weakest first (portal.access.policy.Role gives their order)."""

    VIEWER = "viewer", "Viewer"
    OPERATOR = "operator", "Operator"
    DEVELOPER = "developer", "Developer"
    ADMIN = "admin", "Admin"
