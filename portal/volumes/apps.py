from django.apps import AppConfig


class VolumesConfig(AppConfig):
    name = "portal.volumes"
    verbose_name = "Volumes"

    def ready(self):
        # Models are importable only once the app registry is ready, hence here.
        from portal.operations.resources import register_target
        from portal.volumes.models import Volume

        register_target("volume", Volume)
