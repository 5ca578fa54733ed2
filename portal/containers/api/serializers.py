from django.utils import timezone
from rest_framework import serializers

from portal.access.secrets import mask_inspect, secrets_shown
from portal.containers.models import Container
from portal.containers.status import container_status
from portal.inventory.serializers import MirroredSerializer, datetime_text, list_columns

__all__ = ["LIST_COLUMNS", "ContainerDetailSerializer", "ContainerSerializer"]


class ContainerSerializer(MirroredSerializer):
    """A container as lists show it. `status` is worded at read time from the state and times."""

    # Text, not a choice: an engine's newer state is passed on as the engine wrote it.
    state = serializers.CharField(
        read_only=True, help_text="created, running, paused, restarting, removing, exited or dead (or a newer state)."
    )
    status = serializers.SerializerMethodField()

    class Meta:
        model = Container
        fields = [
            "id",
            "host",
            "host_name",
            "engine_id",
            "name",
            "image",
            "image_id",
            "command",
            "state",
            "status",
            "ports",
            "labels",
            "created",
            "started_at",
            "finished_at",
            "exit_code",
            "health",
            "restart_count",
            "removed_at",
            "removed_by",
            "stale",
            "updated_at",
        ]
        read_only_fields = fields

    def get_status(self, container: Container) -> str:
        return container_status(
            container.state,
            started_at=container.started_at,
            finished_at=container.finished_at,
            exit_code=container.exit_code,
            health=container.health,
            removed_at=container.removed_at,
        )

    def to_representation(self, container: Container) -> dict:
        """What DRF's field-by-field path answers (tests/portal/containers/test_list_serializer.py
        holds the two equal), read straight from the row: that path was 40 % of a list request's
        time (bench/containers_list.py --profile)."""
        zone = timezone.get_current_timezone()

        def when(value):
            return datetime_text(value, zone)

        return {
            **self.row_head(container),
            "name": container.name,
            "image": container.image,
            "image_id": container.image_id,
            "command": container.command,
            "state": container.state,
            "status": self.get_status(container),
            "ports": container.ports,
            "labels": container.labels,
            "created": when(container.created),
            "started_at": when(container.started_at),
            "finished_at": when(container.finished_at),
            "exit_code": container.exit_code,
            "health": container.health,
            "restart_count": container.restart_count,
            **self.row_tail(container, zone),
        }


# The columns the list reads: its fields (`status` is worded from the state and times).
LIST_COLUMNS = list_columns(ContainerSerializer, computed=("status",))


class ContainerDetailSerializer(ContainerSerializer):
    """A container with everything its page shows: the engine's whole inspect body (null until
    the worker first inspected it), mounts and networks, and `dangers`: what its configuration has
    that amounts to root on the host (only an admin of the host may get inside it)."""

    dangers = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(ContainerSerializer.Meta):
        fields = [*ContainerSerializer.Meta.fields, "mounts", "networks", "inspect", "dangers"]
        read_only_fields = fields

    def to_representation(self, container: Container) -> dict:
        # DRF's own path: one container at a time, and its fields are more than the list's.
        data = MirroredSerializer.to_representation(self, container)
        if not secrets_shown(self.context, container.host_id):
            data["inspect"] = mask_inspect(data["inspect"])
        return data
