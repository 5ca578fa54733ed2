from rest_framework import serializers

from portal.audit.models import AuditEvent

__all__ = ["AuditEventSerializer"]


class AuditEventSerializer(serializers.ModelSerializer):
    """An audit event as recorded; `username` and `host_name` still read right after the user or
    host is gone (then `user` or `host` is null)."""

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "user",
            "username",
            "action",
            "outcome",
            "target_type",
            "target_id",
            "target_repr",
            "host",
            "host_name",
            "source_ip",
            "detail",
        ]
        read_only_fields = fields
