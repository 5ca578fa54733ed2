from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "portal.teams"
    verbose_name = "Teams"

    def ready(self):
        from portal.teams import revocation  # noqa: F401 (connects its signal handlers)
