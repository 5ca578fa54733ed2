from rest_framework import serializers

from portal.access.secrets import mask_operation_params, secrets_shown
from portal.operations.models import Operation
from portal.operations.resources import TARGET_MODELS

__all__ = ["OperationDetailSerializer", "OperationSerializer", "made_objects"]


class OperationSerializer(serializers.ModelSerializer):
    """An operation. `container` and `image` are the ids (in Berth) of what it produced or acted
    on, once the host's inventory knows them; `result` holds the engine's ids as well."""

    host_name = serializers.CharField(source="host.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    container = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()

    class Meta:
        model = Operation
        fields = [
            "id",
            "kind",
            "kind_display",
            "host",
            "host_name",
            "username",
            "target_type",
            "target_id",
            "target_repr",
            "params",
            "state",
            "error",
            "error_code",
            "result",
            "progress",
            "container",
            "image",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def to_representation(self, operation: Operation) -> dict:
        data = super().to_representation(operation)
        if not secrets_shown(self.context, operation.host_id):
            data["params"] = mask_operation_params(data["params"])
        return data

    def _engine_id(self, operation: Operation, kind: str) -> str:
        key = f"{kind}_id"
        if operation.result.get(key):
            return operation.result[key]
        return operation.target_id if operation.target_type == kind else ""

    def _lookup(self, operation: Operation, kind: str) -> int | None:
        engine_id = self._engine_id(operation, kind)
        if not engine_id or kind not in TARGET_MODELS:
            return None
        known = self.context.get("made")  # a list resolves every row's in two queries (made_objects)
        if known is not None:
            return known[kind].get((operation.host_id, engine_id))
        rows = TARGET_MODELS[kind].objects.filter(host_id=operation.host_id, engine_id=engine_id)
        return rows.values_list("pk", flat=True).first()

    def get_container(self, operation: Operation) -> int | None:
        return self._lookup(operation, "container")

    def get_image(self, operation: Operation) -> int | None:
        return self._lookup(operation, "image")


class OperationDetailSerializer(OperationSerializer):
    """With the output so far (build log lines, status lines), as the record keeps it."""

    class Meta(OperationSerializer.Meta):
        fields = [*OperationSerializer.Meta.fields, "log"]
        read_only_fields = fields


def made_objects(operations) -> dict[str, dict[tuple[int, str], int]]:
    """For a page of operations: the Berth ids of the containers and images they name, by
    (host, engine id), in one query per kind."""
    wanted: dict[str, set[str]] = {kind: set() for kind in TARGET_MODELS}
    for operation in operations:
        for kind in wanted:
            engine_id = operation.result.get(f"{kind}_id") or (
                operation.target_id if operation.target_type == kind else ""
            )
            if engine_id:
                wanted[kind].add(engine_id)
    made = {}
    for kind, model in TARGET_MODELS.items():
        rows = model.objects.filter(engine_id__in=wanted[kind]).values_list("host_id", "engine_id", "pk")
        made[kind] = {(host, engine_id): pk for host, engine_id, pk in rows} if wanted[kind] else {}
    return made
