from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "portal.networks"
    verbose_name = "Networks"

    def ready(self):
        # Models are importable only once the app registry is ready, hence here.
        from portal.networks.models import Network
        from portal.operations.resources import register_target

        register_target("network", Network)
