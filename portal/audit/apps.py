from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portal.audit"
    verbose_name = "Audit"

    def ready(self):
        from portal.audit import logins  # noqa: F401 (connects its signal handlers)
