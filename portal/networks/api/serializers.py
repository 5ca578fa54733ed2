from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.containers.links import linked_entries
from portal.inventory.serializers import MirroredSerializer
from portal.networks.models import Network

__all__ = ["NetworkSerializer"]


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
