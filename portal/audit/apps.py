from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portal.audit"
    verbose_name = "Audit"

    def ready(self):
        from portal.audit import logins, refusals  # noqa: F401 (connect their signal handlers)
