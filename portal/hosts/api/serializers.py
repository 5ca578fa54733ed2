from rest_framework import serializers

from portal.hosts.choices import HostStatus
from portal.hosts.models import Host
from wire.names import host_slug

__all__ = ["HostSerializer"]


class HostSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=HostStatus.choices, source="current_status", read_only=True)
    enrolled = serializers.BooleanField(read_only=True)
    memory_percent = serializers.FloatField(read_only=True, allow_null=True)
    disk_percent = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Host
        fields = [
            "id",
            "slug",
            "name",
            "status",
            "last_seen",
            "online_since",
            "labels",
            "engine_reachable",
            "engine_error",
            "engine_version",
            "api_version",
            "os",
            "kernel",
            "arch",
            "cpus",
            "memory",
            "memory_available",
            "memory_percent",
            "disk_total",
            "disk_used",
            "disk_percent",
            "container_count",
            "running_count",
            "image_count",
            "worker_machine",
            "worker_version",
            "docker_host",
            "compose_version",
            "enrolled",
            "enrolled_at",
            "broker_user",
            "forged_report",
            "forged_report_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [f for f in fields if f not in {"slug", "name", "labels"}]
        extra_kwargs = {"slug": {"required": False}}

    def validate_labels(self, value):
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise serializers.ValidationError("Labels are an object of text keys to text values.")
        return value

    def validate(self, attrs):
        if self.instance is not None:
            if "slug" in attrs and attrs["slug"] != self.instance.slug:
                raise serializers.ValidationError(
                    {"slug": "A host's slug names its worker's queue and cannot change; rename it instead."}
                )
            return attrs
        try:
            attrs["slug"] = host_slug(attrs.get("slug") or attrs["name"])
        except ValueError as exc:
            raise serializers.ValidationError({"name": str(exc)}) from exc
        if Host.objects.filter(slug=attrs["slug"]).exists():
            raise serializers.ValidationError({"name": f"A host with slug '{attrs['slug']}' already exists."})
        return attrs
