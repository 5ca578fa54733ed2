"""`POST /api/v1/images/{id}/push/`: push an image to a registry."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from engine.reference import parse_reference
from portal.api.validation import validated
from portal.images.api.actions import ImageActions, valid_reference
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.registries.credentials import registry_auth

__all__ = ["PushAction"]


class PushSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=512, required=False, allow_blank=True, help_text="Where to push; default: the image's first tag."
    )
    registry = serializers.IntegerField(required=False, allow_null=True)

    def validate_reference(self, value):
        return valid_reference(value) if value.strip() else ""


class PushAction(ImageActions):
    policy_actions = {"push": "image.manage"}

    @extend_schema(request=PushSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def push(self, request, pk=None):
        """Push to a registry under `reference` (tagged so first if it is not one of the image's tags)."""
        image = self.live_image()
        data = validated(PushSerializer, request.data)
        reference = data.get("reference") or ""
        tags = [str(t) for t in image.tags.all()]
        if not reference:
            if not tags:
                raise serializers.ValidationError({"reference": "This image has no tag: say where to push it."})
            reference = tags[0]
        if parse_reference(reference).digest:
            raise serializers.ValidationError({"reference": "Push to a tag, not a digest."})
        auth = registry_auth(request.user, data.get("registry"), reference)
        return accepted(self.image_operation("image.push", image, {"reference": reference}, auth_config=auth))
