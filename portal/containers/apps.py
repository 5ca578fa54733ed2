from django.apps import AppConfig


class ContainersConfig(AppConfig):
    name = "portal.containers"
    verbose_name = "Containers"

    def ready(self):
        # Models are importable only once the app registry is ready, hence here.
        from portal.containers.models import Container
        from portal.operations.resources import register_target

        register_target("container", Container)
