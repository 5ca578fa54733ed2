"""An image's names and removal as actions of the images API: tag, remove or untag (DELETE), and
prune a host's dangling images."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from engine.reference import TAG_RE, parse_reference
from portal.api.query_params import bool_param
from portal.api.validation import validated
from portal.images.api.actions import ImageActions, valid_reference
from portal.images.models import Tag
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit

__all__ = ["TagActions"]


class TagSerializer(serializers.Serializer):
    repository = serializers.CharField(max_length=255)
    tag = serializers.CharField(max_length=128, required=False, allow_blank=True, default="latest")

    def validate(self, attrs):
        tag = attrs.get("tag") or "latest"
        if not TAG_RE.fullmatch(tag):
            raise serializers.ValidationError({"tag": f"'{tag}' is not a tag: letters, digits, _ . -, up to 128."})
        reference = parse_reference(valid_reference(f"{attrs['repository'].strip()}:{tag}"))
        if reference.digest:
            raise serializers.ValidationError({"repository": "A repository to tag into has no digest."})
        return {"repository": reference.repository, "tag": tag}


class PruneSerializer(serializers.Serializer):
    host = serializers.IntegerField()


class TagActions(ImageActions):
    policy_actions = {"tag": "image.manage", "destroy": "image.manage", "prune": "image.manage"}

    @extend_schema(request=TagSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def tag(self, request, pk=None):
        image = self.live_image()
        return accepted(self.image_operation("image.tag", image, validated(TagSerializer, request.data)))

    @extend_schema(
        parameters=[
            OpenApiParameter("force", bool, description="Remove even if containers use it or it has several tags."),
            OpenApiParameter("tag", str, description="Untag only: remove this one name (`repository:tag`)."),
        ],
        responses={202: OperationSerializer},
    )
    def destroy(self, request, *args, **kwargs):
        image = self.live_image()
        force = bool(bool_param(request, "force"))
        untag = request.query_params.get("tag", "").strip()
        if untag:
            reference = parse_reference(untag)
            if not Tag.objects.filter(image=image, repository=reference.repository, tag=reference.tag_or_default):
                raise serializers.ValidationError({"tag": f"{untag} is not a tag of this image."})
            untag = f"{reference.repository}:{reference.tag_or_default}"
        params = {"name": untag or image.engine_id, "force": force, "untag": bool(untag)}
        return accepted(self.image_operation("image.remove", image, params))

    @extend_schema(request=PruneSerializer, responses={202: OperationSerializer})
    @action(detail=False, methods=["post"])
    def prune(self, request):
        """Remove the host's dangling images (no tag, used by no container)."""
        validated(PruneSerializer, request.data)
        host = self.policy_host  # the host in the body, where PolicyPermission allowed it
        return accepted(submit(request, host, "image.prune", {}, target_type="image", target_repr="dangling"))
