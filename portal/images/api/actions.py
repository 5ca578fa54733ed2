"""What every image action of the API shares: the image it acts on (a removed one is a 409), the
operation it sends for it (portal.operations.dispatch.submit), and how a reference is checked."""

from __future__ import annotations

from rest_framework import serializers

from engine.reference import InvalidReference, validate_reference
from portal.images.models import Image
from portal.operations.dispatch import submit
from portal.operations.models import Operation
from portal.refusals import Conflict

__all__ = ["ImageActions", "valid_reference"]


def valid_reference(value: str) -> str:
    """The reference normalized, or a field error with the sentence saying what is wrong."""
    try:
        return str(validate_reference(value))
    except InvalidReference as exc:
        raise serializers.ValidationError(str(exc)) from None


class ImageActions:
    """Base of the action mixins of ImageViewSet."""

    def live_image(self) -> Image:
        image = self.get_object()
        if image.is_removed:
            raise Conflict("This image was removed.", "removed")
        return image

    def image_operation(self, kind: str, image: Image, params: dict, **kwargs) -> Operation:
        shown = {"image": image.engine_id, **params}
        task = {"image_id": image.engine_id, **params}
        name = next((str(t) for t in image.tags.all()), image.engine_id[7:19])
        return submit(self.request, image.host, kind, shown, target=image, target_repr=name, task_params=task, **kwargs)
