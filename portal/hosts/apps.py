from django.apps import AppConfig


class HostsConfig(AppConfig):
    name = "portal.hosts"
    verbose_name = "Hosts"

    def ready(self):
        from portal.hosts import signatures  # noqa: F401 (connects its signal handler)
