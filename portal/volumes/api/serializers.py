from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.containers.api.serializers import datetime_text, list_columns
from portal.containers.links import linked_entries
from portal.inventory.serializers import MirroredSerializer
from portal.volumes.models import Volume

__all__ = ["LIST_COLUMNS", "VolumeSerializer"]


class MountSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="The container in Berth, when it is known.")
    engine_id = serializers.CharField()
    name = serializers.CharField()
    destination = serializers.CharField(help_text="Where the container mounts it.")
    rw = serializers.BooleanField()


class VolumeSerializer(MirroredSerializer):
    """A named volume with the containers that mount it and where. `dangling`: none does.
    `dangers`: what its driver options amount to on the host (a host path it binds)."""

    name = serializers.CharField(source="engine_id", read_only=True)
    containers = serializers.SerializerMethodField()
    dangling = serializers.SerializerMethodField()
    dangers = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Volume
        fields = [
            "id",
            "host",
            "host_name",
            "engine_id",
            "name",
            "driver",
            "mountpoint",
            "scope",
            "options",
            "labels",
            "created",
            "size",
            "containers",
            "container_count",
            "dangling",
            "dangers",
            "removed_at",
            "removed_by",
            "stale",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MountSerializer(many=True))
    def get_containers(self, volume: Volume) -> list[dict]:
        return linked_entries(volume, self.context.get("container_pks"))

    def get_dangling(self, volume: Volume) -> bool:
        return volume.container_count == 0

    def to_representation(self, volume: Volume) -> dict:
        """What DRF's field-by-field path answers (tests/portal/volumes/test_list_serializer.py
        holds the two equal), read straight from the row, as the containers list does."""
        zone = timezone.get_current_timezone()
        return {
            "id": volume.pk,
            "host": volume.host_id,
            "host_name": volume.host.name,
            "engine_id": volume.engine_id,
            "name": volume.engine_id,
            "driver": volume.driver,
            "mountpoint": volume.mountpoint,
            "scope": volume.scope,
            "options": volume.options,
            "labels": volume.labels,
            "created": datetime_text(volume.created, zone),
            "size": volume.size,
            "containers": self.get_containers(volume),
            "container_count": volume.container_count,
            "dangling": self.get_dangling(volume),
            "dangers": volume.dangers,
            "removed_at": datetime_text(volume.removed_at, zone),
            "removed_by": volume.removed_by,
            "stale": self.get_stale(volume),
            "updated_at": datetime_text(volume.updated_at, zone),
        }


# The columns the list reads (`.only()`).
LIST_COLUMNS = list_columns(
    VolumeSerializer, computed=("name", "containers", "dangling", "dangers"), read=("containers",)
)
