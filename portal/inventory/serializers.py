from rest_framework import serializers

from portal.hosts.choices import HostStatus

__all__ = ["MirroredSerializer"]


class MirroredSerializer(serializers.ModelSerializer):
    """What every mirrored object's serializer shows of its host: its name, and `stale` when the
    host is not online, so the object is as Berth last knew it rather than as it is now."""

    host_name = serializers.CharField(source="host.name", read_only=True)
    stale = serializers.SerializerMethodField()

    def get_stale(self, obj) -> bool:
        return obj.host.current_status != HostStatus.ONLINE
