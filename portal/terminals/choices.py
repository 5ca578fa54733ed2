from django.db import models

__all__ = ["SessionKind"]


class SessionKind(models.TextChoices):
    TERMINAL = "terminal", "Terminal"
    ATTACH = "attach", "Attach"
