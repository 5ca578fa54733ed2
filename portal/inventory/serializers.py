from datetime import datetime, tzinfo

from django.utils import timezone
from rest_framework import serializers

from portal.hosts.choices import HostStatus

__all__ = ["MirroredSerializer", "datetime_text", "fields_between", "list_columns"]


def datetime_text(value: datetime | None, zone: tzinfo | None = None) -> str | None:
    """A time as DRF's DateTimeField writes it: ISO 8601 in the current time zone (or `zone`),
    UTC as "Z"."""
    if not value:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def fields_between(serializer, first: str, last: str) -> tuple[str, ...]:
    """The serializer's fields from `first` to `last`, in its order."""
    fields = serializer.Meta.fields
    return tuple(fields[fields.index(first) : fields.index(last) + 1])


def list_columns(serializer, computed: tuple[str, ...] = ()) -> list[str]:
    """The columns a mirrored object's list reads (`.only()`): its serializer's fields but those
    `computed` from the others, and what `host_name` and `stale` read of the host."""
    skipped = {"host_name", "stale", *computed}
    fields = [field for field in serializer.Meta.fields if field not in skipped]
    return [*fields, "host__name", "host__status", "host__last_seen"]


class MirroredSerializer(serializers.ModelSerializer):
    """What every mirrored object's serializer shows of its host: its name, and `stale` when the
    host is not online, so the object is as Berth last knew it rather than as it is now."""

    host_name = serializers.CharField(source="host.name", read_only=True)
    stale = serializers.SerializerMethodField()

    def get_stale(self, obj) -> bool:
        return obj.host.current_status != HostStatus.ONLINE

    # A list's rows are written by hand (for speed), each as DRF would: what every mirrored row
    # begins and ends with.
    def row_head(self, obj) -> dict:
        return {"id": obj.pk, "host": obj.host_id, "host_name": obj.host.name, "engine_id": obj.engine_id}

    def row_tail(self, obj, zone: tzinfo) -> dict:
        return {
            "removed_at": datetime_text(obj.removed_at, zone),
            "removed_by": obj.removed_by,
            "stale": self.get_stale(obj),
            "updated_at": datetime_text(obj.updated_at, zone),
        }
