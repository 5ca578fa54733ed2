"""`POST /api/v1/images/pull/`: pull an image to a host, with per-layer progress."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from portal.api.validation import validated
from portal.images.api.actions import valid_reference
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit
from portal.registries.credentials import registry_auth

__all__ = ["PullAction"]


class PullSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    reference = serializers.CharField(max_length=512, help_text="registry/repository:tag or @digest.")
    registry = serializers.IntegerField(required=False, allow_null=True)

    def validate_reference(self, value):
        return valid_reference(value)


class PullAction:
    policy_actions = {"pull": "image.manage"}

    @extend_schema(request=PullSerializer, responses={202: OperationSerializer})
    @action(detail=False, methods=["post"])
    def pull(self, request):
        """Pull an image to a host, with per-layer progress on `/ws/operations/{id}/`."""
        data = validated(PullSerializer, request.data)
        host = self.policy_host  # the host in the body, where PolicyPermission allowed it
        auth = registry_auth(request.user, data.get("registry"), data["reference"])
        params = {"reference": data["reference"]}
        operation = submit(
            request, host, "image.pull", params, target_type="image", target_repr=data["reference"], auth_config=auth
        )
        return accepted(operation)
