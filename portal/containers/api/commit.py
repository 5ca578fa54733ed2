"""`POST /api/v1/containers/{id}/commit/`: a new image from the container's filesystem."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from engine.reference import TAG_RE, InvalidReference, validate_reference
from portal.api.validation import validated
from portal.containers.api.actions import ContainerActions
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer

__all__ = ["CommitAction"]


class CommitSerializer(serializers.Serializer):
    repository = serializers.CharField(max_length=255, required=False, allow_blank=True)
    tag = serializers.CharField(max_length=128, required=False, allow_blank=True)
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    author = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate(self, attrs):
        repository, tag = attrs.get("repository", "").strip(), attrs.get("tag", "").strip()
        if tag and not repository:
            raise serializers.ValidationError({"tag": "A tag needs a repository to go with."})
        if tag and not TAG_RE.fullmatch(tag):
            raise serializers.ValidationError({"tag": f"'{tag}' is not a tag: letters, digits, _ . -, up to 128."})
        if repository:
            try:
                validate_reference(f"{repository}:{tag or 'latest'}")
            except InvalidReference as exc:
                raise serializers.ValidationError({"repository": str(exc)}) from None
        return {**attrs, "repository": repository, "tag": tag}


class CommitAction(ContainerActions):
    policy_actions = {"commit": "container.manage"}

    @extend_schema(request=CommitSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """A new image from the container's current filesystem (repository, tag, message, author)."""
        container = self.live_container()
        return accepted(self.container_operation("commit", container, **validated(CommitSerializer, request.data)))
