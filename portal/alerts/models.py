from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.access.querysets import RestrictedQuerySet
from portal.alerts.choices import AlertState, ChannelKind, DeliveryKind, DeliveryState
from portal.registries.encryption import open_secret, seal

__all__ = ["Alert", "AlertChannel", "AlertEntry", "AlertRule", "Delivery", "Mute", "PartlyDownTrack", "RestartTrack"]


class AlertChannel(models.Model):
    """Where a team's alerts are told: an email address list, a webhook, a chat's incoming
    webhook, an ntfy topic. `secret` (a webhook's signing key, a chat webhook URL's token part,
    an ntfy token) is stored encrypted like a registry password and never returned."""

    policy_host_field = None
    policy_team_field = "team"

    name = models.CharField(max_length=100)
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="alert_channels")
    kind = models.CharField(max_length=16, choices=ChannelKind)
    target = models.CharField(max_length=500, help_text="Email addresses (comma-separated) or a URL.")
    secret_sealed = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="alert_channel_unique_per_team")]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:  # never the secret
        return f"<AlertChannel {self.pk} {self.name!r} {self.kind}>"

    def set_secret(self, plain: str) -> None:
        self.secret_sealed = seal(plain)

    def secret(self) -> str:
        return open_secret(self.secret_sealed)

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_sealed)


class AlertRule(models.Model):
    """A team's rule: which events, on all of the team's hosts or some, about which containers
    (`match`: `names` glob patterns, `labels` key=value, `stacks` compose project names), told to
    which channels, at most once per `cooldown_seconds` per subject (then a summary), silent
    while muted (`mute_until`, or a `mute_windows` range)."""

    policy_host_field = None
    policy_team_field = "team"

    name = models.CharField(max_length=100)
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="alert_rules")
    enabled = models.BooleanField(default=True)
    events = models.JSONField(default=list)
    all_hosts = models.BooleanField(default=True)
    hosts = models.ManyToManyField("hosts.Host", blank=True, related_name="alert_rules")
    match = models.JSONField(default=dict, blank=True)
    channels = models.ManyToManyField(AlertChannel, blank=True, related_name="rules")
    cooldown_seconds = models.PositiveIntegerField(default=300)
    # A loop: this many restarts within restart_window_seconds.
    restart_count = models.PositiveIntegerField(default=3)
    restart_window_seconds = models.PositiveIntegerField(default=300)
    # host.disk / host.memory fire when the host's usage passes this percentage, and resolve once
    # it is back under by USAGE_HYSTERESIS points (portal/alerts/detect.py).
    threshold_percent = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    mute_until = models.DateTimeField(null=True, blank=True)
    # Maintenance windows: [{"start": iso, "end": iso}, ...]
    mute_windows = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="alert_rule_unique_per_team")]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """One condition of one rule about one subject (a container's name, the host, an operation's
    target) on one host: firing, acknowledged, then resolved when the condition clears. A
    condition that comes back within the rule's cooldown reopens it (`flaps`) without a message;
    a summary follows at the cooldown's end."""

    policy_host_field = "host"

    rule = models.ForeignKey(AlertRule, null=True, on_delete=models.SET_NULL, related_name="alerts")
    rule_name = models.CharField(max_length=100)
    team = models.ForeignKey("teams.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    host = models.ForeignKey("hosts.Host", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=300)
    container = models.ForeignKey("containers.Container", null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField(max_length=500)
    detail = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=AlertState, default=AlertState.FIRING)
    fired_at = models.DateTimeField()
    last_fired_at = models.DateTimeField()
    fire_count = models.PositiveIntegerField(default=1)
    flaps = models.PositiveIntegerField(default=0, help_text="Times it came back since the last message.")
    notified_at = models.DateTimeField(null=True, blank=True)
    summary_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-last_fired_at", "-id"]
        indexes = [
            models.Index(fields=["rule", "kind", "subject", "state"], name="alert_by_subject"),
            models.Index(fields=["state", "host"], name="alert_by_state"),
            models.Index(fields=["summary_due_at"], name="alert_summary_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def open(self) -> bool:
        return self.state != AlertState.RESOLVED


class AlertEntry(models.Model):
    """A line of an alert's timeline: fired, notified where, acknowledged by whom, muted, resolved."""

    policy_host_field = "alert__host"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField()
    what = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    username = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.what}: {self.text}"


class Delivery(models.Model):
    """One message to one channel, kept in the database until it is sent or has failed for good, so
    a portal worker that dies mid-delivery loses nothing: the next one takes it up once the lease
    runs out. `alert` is null for a channel's test."""

    policy_host_field = "alert__host"

    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(AlertChannel, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=16, choices=DeliveryKind)
    state = models.CharField(max_length=16, choices=DeliveryState, default=DeliveryState.PENDING)
    text = models.TextField(help_text="What the message says.")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.channel_id}: {self.state}"


class Mute(models.Model):
    """Silence for one subject on one host until a time ("mute this container for 2 hours"): its
    alerts still fire and show, but nobody is told."""

    policy_host_field = "host"

    host = models.ForeignKey("hosts.Host", on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=300)
    until = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-until"]
        indexes = [models.Index(fields=["host", "subject", "until"], name="mute_by_subject")]

    def __str__(self) -> str:
        return f"{self.subject} muted until {self.until}"


class RestartTrack(models.Model):
    """A container's restarts lately (the engine's RestartCount going up), to tell a loop."""

    policy_host_field = "host"

    host = models.ForeignKey("hosts.Host", on_delete=models.CASCADE, related_name="+")
    engine_id = models.CharField(max_length=128)
    restart_count = models.PositiveIntegerField(default=0)
    times = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["host", "engine_id"]
        constraints = [models.UniqueConstraint(fields=["host", "engine_id"], name="restart_track_unique")]

    def __str__(self) -> str:
        return f"{self.engine_id}: {len(self.times)} restarts"


class PartlyDownTrack(models.Model):
    """A compose project seen partly running since `since`: `stack.partly_down` fires only once
    that lasted the grace (BERTH_ALERT_STACK_GRACE), so a deploy in progress says nothing."""

    policy_host_field = "host"

    host = models.ForeignKey("hosts.Host", on_delete=models.CASCADE, related_name="+")
    project = models.CharField(max_length=300)
    since = models.DateTimeField()

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["host", "project"]
        constraints = [models.UniqueConstraint(fields=["host", "project"], name="partly_down_track_unique")]

    def __str__(self) -> str:
        return f"{self.project} partly running since {self.since}"
