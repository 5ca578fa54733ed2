from django.conf import settings
from django.db import models

from portal.access.querysets import RestrictedQuerySet
from portal.terminals.choices import SessionKind

__all__ = ["SessionInvite", "SessionWatch", "TerminalSession"]


class TerminalSession(models.Model):
    """One terminal (exec) or attach session: who opened it on which container and host, when it
    started and ended, how (exit code or reason), and its asciicast v2 recording under
    BERTH_DATA_DIR. Names are copied so the record outlives the user, host or container."""

    # One's own sessions, and others' on hosts where one may read sessions (admins); those the
    # owner invited may watch it (portal/access/policy.py: guests).
    policy_host_field = "host"
    policy_owner_field = "user"
    policy_guest_field = "invites__user"
    policy_guest_actions = frozenset({"session.watch"})

    kind = models.CharField(max_length=16, choices=SessionKind, default=SessionKind.TERMINAL)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    host = models.ForeignKey("hosts.Host", null=True, on_delete=models.SET_NULL, related_name="terminal_sessions")
    host_name = models.CharField(max_length=100)
    container = models.ForeignKey(
        "containers.Container", null=True, on_delete=models.SET_NULL, related_name="terminal_sessions"
    )
    container_name = models.CharField(max_length=255)
    container_engine_id = models.CharField(max_length=128)
    command = models.CharField(max_length=1000, blank=True)
    exec_user = models.CharField(max_length=100, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # Refreshed by the web process serving the session while it is open; a session whose web
    # process is gone stops being refreshed and is ended by the sweep (portal.terminals.housekeeping).
    alive_at = models.DateTimeField(null=True, blank=True)
    # The host worker's channel for this session (from its READY), where a browser that comes back
    # after its connection dropped asks to resume it (wire.stream_resume).
    stream_channel = models.CharField(max_length=200, blank=True)
    # Set while the browser is away: the session's process runs on until then, and is ended (by
    # its host worker; the record by the sweep) when nobody resumed it by then.
    detached_until = models.DateTimeField(null=True, blank=True)
    # Output bytes recorded so far: a resumed session's replay is recorded from here on, once.
    output_offset = models.BigIntegerField(default=0)
    exit_code = models.IntegerField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    # Relative to the recordings directory; empty once the recording was purged.
    recording = models.CharField(max_length=300, blank=True)
    recording_bytes = models.BigIntegerField(default=0)
    recording_truncated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["started_at"], name="terminal_session_started")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.container_name} by {self.username}"

    @property
    def duration(self):
        return (self.ended_at - self.started_at) if self.ended_at else None


class SessionInvite(models.Model):
    """The owner of a terminal session lets `user` watch it (read-only) while it runs."""

    session = models.ForeignKey(TerminalSession, on_delete=models.CASCADE, related_name="invites")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="session_invite_once")]

    def __str__(self) -> str:
        return f"{self.user} may watch session {self.session_id}"


class SessionWatch(models.Model):
    """Someone watched a terminal session, from `joined_at` to `left_at` (None: watching now)."""

    session = models.ForeignKey(TerminalSession, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return f"{self.username} watching session {self.session_id}"
