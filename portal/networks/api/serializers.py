from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.containers.links import linked_entries
from portal.inventory.serializers import MirroredSerializer, datetime_text, fields_between, list_columns
from portal.networks.models import Network

__all__ = ["LIST_COLUMNS", "NetworkSerializer"]


class EndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="The container in Berth, when it is known.")
    engine_id = serializers.CharField()
    name = serializers.CharField()
    ipv4_address = serializers.CharField(allow_blank=True, help_text="With its prefix; empty while not running.")
    ipv6_address = serializers.CharField(allow_blank=True)
    mac_address = serializers.CharField(allow_blank=True)


class NetworkSerializer(MirroredSerializer):
    """A network with its address pools and the containers that name it (with their addresses).
    `predefined`: one of the engine's own (bridge, host, none), never removed."""

    subnets = serializers.ListField(child=serializers.CharField(), read_only=True)
    containers = serializers.SerializerMethodField()
    predefined = serializers.BooleanField(read_only=True)

    class Meta:
        model = Network
        fields = [
            "id",
            "host",
            "host_name",
            "engine_id",
            "name",
            "driver",
            "scope",
            "internal",
            "attachable",
            "ingress",
            "ipv6",
            "subnets",
            "ipam",
            "options",
            "labels",
            "created",
            "containers",
            "container_count",
            "predefined",
            "removed_at",
            "removed_by",
            "stale",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EndpointSerializer(many=True))
    def get_containers(self, network: Network) -> list[dict]:
        return linked_entries(network, self.context.get("container_pks"))

    def to_representation(self, network: Network) -> dict:
        """What DRF's field-by-field path answers (tests/portal/networks/test_list_serializers.py
        holds the two equal), read straight from the row, as the containers list does: that path
        was most of a list request's time (bench/networks_volumes.py)."""
        zone = timezone.get_current_timezone()
        return {
            **self.row_head(network),
            **{name: getattr(network, name) for name in PLAIN_FIELDS},
            "created": datetime_text(network.created, zone),
            "containers": self.get_containers(network),
            "container_count": network.container_count,
            "predefined": network.predefined,
            **self.row_tail(network, zone),
        }


# The columns the list reads: `subnets` comes from `ipam`, `predefined` from the name.
LIST_COLUMNS = list_columns(NetworkSerializer, computed=("subnets", "predefined"))


# What the list writes as the row holds it, in the serializer's order.
PLAIN_FIELDS = fields_between(NetworkSerializer, "name", "labels")
