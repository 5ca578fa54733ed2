"""The volumes API's actions: create (`POST /api/v1/volumes/`), remove (`DELETE …/{id}/?force=`)
and prune (`POST …/prune/`). A volume whose driver options bind a host path is as dangerous as a
bind mount: admin only (portal/access/dangerous.py)."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from portal.access.dangerous import refuse_dangers, volume_dangers
from portal.access.policy import can
from portal.api.query_params import bool_param
from portal.api.text_maps import TextMapField
from portal.api.validation import validated
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit
from portal.refusals import Conflict, Forbidden
from portal.volumes.checks import driver_known, in_use, name_free

__all__ = ["VolumeActions"]

# The engine's rule for a volume name: two characters at least.
VOLUME_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")


class CreateVolumeSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    driver = serializers.CharField(max_length=64, required=False, default="local")
    driver_opts = TextMapField(help_text="e.g. type=tmpfs, device=tmpfs, o=size=64m.")
    labels = TextMapField()

    def validate_name(self, value):
        value = value.strip()
        if value and not VOLUME_NAME_RE.fullmatch(value):
            raise serializers.ValidationError(
                f"'{value}' is not a volume name: two or more letters, digits, _ . and -, "
                "starting with a letter or digit."
            )
        return value

    def validate_driver(self, value):
        return value.strip() or "local"


class PruneSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    all = serializers.BooleanField(required=False, default=False, help_text="Named volumes too, not only anonymous.")


class VolumeActions:
    policy_actions = {"create": "volume.manage", "destroy": "volume.manage", "prune": "volume.manage"}

    @extend_schema(request=CreateVolumeSerializer, responses={202: OperationSerializer})
    def create(self, request, *args, **kwargs):
        """Create a volume (`docker volume create`); the engine names it when no name is given."""
        data = validated(CreateVolumeSerializer, request.data)
        host = self.policy_host  # the host in the body, where PolicyPermission allowed it
        refuse_dangers(request, host.pk, volume_dangers(data["name"], data["driver"], data["driver_opts"]))
        if data["name"]:
            name_free(host.pk, data["name"])
        driver_known(host.pk, data["driver"])
        params = {key: data[key] for key in ("name", "driver", "driver_opts", "labels")}
        target = data["name"] or "a new volume"
        return accepted(submit(request, host, "volume.create", params, target_type="volume", target_repr=target))

    @extend_schema(
        request=None,
        responses={202: OperationSerializer},
        parameters=[OpenApiParameter("force", bool, description="Remove the containers that use it first.")],
    )
    def destroy(self, request, *args, **kwargs):
        """Remove the volume: refused while containers use it, unless `force` (which removes them too)."""
        volume = self.get_object()
        if volume.is_removed:
            raise Conflict(f"Volume {volume.name} was removed.", "removed")
        force = bool(bool_param(request, "force"))
        if volume.container_count and not force:
            raise in_use(volume)
        users = [entry["engine_id"] for entry in volume.containers] if force else []
        if users and not can(request, "container.manage", volume.host_id):
            raise Forbidden("Removing the containers that use this volume needs a role that may remove containers.")
        shown = {"name": volume.name, "force": force, "containers": [entry["name"] for entry in volume.containers]}
        task = {"name": volume.name, "force": force, "container_ids": users}
        return accepted(submit(request, volume.host, "volume.remove", shown, target=volume, task_params=task))

    @extend_schema(request=PruneSerializer, responses={202: OperationSerializer})
    @action(detail=False, methods=["post"])
    def prune(self, request):
        """Remove the volumes of the host no container uses (`docker volume prune`)."""
        data = validated(PruneSerializer, request.data)
        host = self.policy_host
        params = {"all": data["all"]}
        return accepted(submit(request, host, "volume.prune", params, target_type="volume", target_repr=host.name))
