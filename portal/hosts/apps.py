from django.apps import AppConfig


class HostsConfig(AppConfig):
    name = "portal.hosts"
    verbose_name = "Hosts"
