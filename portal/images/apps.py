from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "portal.images"
    verbose_name = "Images"

    def ready(self):
        # Models are importable only once the app registry is ready, hence here.
        from portal.images.exports import export_chunks
        from portal.images.models import Image
        from portal.operations.resources import register_download, register_target

        register_target("image", Image)
        register_download("image.export", export_chunks)
