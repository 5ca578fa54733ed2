from django.contrib.auth import get_user_model
from rest_framework import serializers

from portal.terminals.models import SessionInvite, TerminalSession

__all__ = ["SessionInviteSerializer", "TerminalSessionSerializer"]


class TerminalSessionSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="username", read_only=True)
    recording_url = serializers.SerializerMethodField()

    class Meta:
        model = TerminalSession
        fields = [
            "id",
            "kind",
            "user",
            "host",
            "host_name",
            "container",
            "container_name",
            "container_engine_id",
            "command",
            "exec_user",
            "source_ip",
            "started_at",
            "ended_at",
            "exit_code",
            "end_reason",
            "recording_bytes",
            "recording_truncated",
            "recording_url",
        ]
        read_only_fields = fields

    def get_recording_url(self, session) -> str | None:
        if not session.recording:
            return None
        request = self.context.get("request")
        path = f"/api/v1/sessions/{session.pk}/recording/"
        return request.build_absolute_uri(path) if request else path


class SessionInviteSerializer(serializers.ModelSerializer):
    """`{"user": "<username>"}`: who may watch the session while it runs."""

    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        error_messages={"does_not_exist": "No active user is called {value}."},
    )
    invited_by = serializers.CharField(source="invited_by.username", read_only=True, default=None)

    class Meta:
        model = SessionInvite
        fields = ["user", "invited_by", "created_at"]
        read_only_fields = ["invited_by", "created_at"]
