from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.containers.links import linked_entries
from portal.inventory.serializers import MirroredSerializer, datetime_text, fields_between, list_columns
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
        """What DRF's field-by-field path answers (tests/portal/networks/test_list_serializers.py
        holds the two equal), read straight from the row, as the containers list does."""
        zone = timezone.get_current_timezone()
        return {
            **self.row_head(volume),
            "name": volume.engine_id,
            **{name: getattr(volume, name) for name in PLAIN_FIELDS},
            "created": datetime_text(volume.created, zone),
            "size": volume.size,
            "containers": self.get_containers(volume),
            "container_count": volume.container_count,
            "dangling": self.get_dangling(volume),
            "dangers": volume.dangers,
            **self.row_tail(volume, zone),
        }


# The columns the list reads: the name is the engine id; `dangling` and `dangers` come from the others.
LIST_COLUMNS = list_columns(VolumeSerializer, computed=("name", "dangling", "dangers"))


# What the list writes as the row holds it, in the serializer's order.
PLAIN_FIELDS = fields_between(VolumeSerializer, "driver", "labels")
