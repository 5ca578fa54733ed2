from urllib.parse import urlsplit

from rest_framework import serializers

from portal.access.policy import can
from portal.alerts.choices import ChannelKind, EventKind
from portal.alerts.matching import match_errors
from portal.alerts.models import Alert, AlertChannel, AlertEntry, AlertRule, Delivery
from portal.alerts.scope import team_host_ids
from portal.hosts.models import Host
from portal.refusals import Forbidden
from portal.teams.models import Team

__all__ = [
    "AlertChannelSerializer",
    "AlertDetailSerializer",
    "AlertRuleSerializer",
    "AlertSerializer",
    "MuteSerializer",
    "TestResultSerializer",
]

MANAGE = "alertrule.manage"
CHAT = (ChannelKind.SLACK, ChannelKind.DISCORD, ChannelKind.TEAMS)


def _require_team_admin(request, team: Team, model) -> None:
    """Rules and channels are written by admins through the owning team's own bindings (or admins
    of every host): the one policy, asked on the object as it would be."""
    if not can(request, MANAGE, model(team=team)):
        raise Forbidden(
            f"Only admins of team {team.name} (or of every host) write its alert rules and channels.",
            "forbidden",
            action=MANAGE,
        )


class TeamField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Team.objects.all()


class HostsField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Host.objects.restrict(self.context["request"], "host.view")


class ChannelsField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return AlertChannel.objects.restrict(self.context["request"], "alertrule.view")


class AlertChannelSerializer(serializers.ModelSerializer):
    """A channel. `secret` is write-only: a generic webhook's signing key, an ntfy token. For Slack,
    Discord and Teams the webhook URL itself is the secret: it is kept encrypted and `target`
    shows only its host. Left out on an edit, the saved secret is kept."""

    team = TeamField()
    team_name = serializers.CharField(source="team.name", read_only=True)
    kind = serializers.ChoiceField(ChannelKind.choices)
    target = serializers.CharField(max_length=500)
    secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500, trim_whitespace=False
    )
    has_secret = serializers.BooleanField(read_only=True)

    class Meta:
        model = AlertChannel
        fields = [
            "id",
            "name",
            "team",
            "team_name",
            "kind",
            "target",
            "secret",
            "has_secret",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        team = attrs.get("team", getattr(self.instance, "team", None))
        _require_team_admin(self.context["request"], team, AlertChannel)
        kind = attrs.get("kind", getattr(self.instance, "kind", ""))
        name = attrs.get("name", getattr(self.instance, "name", ""))
        same = AlertChannel.objects.filter(team=team, name=name).exclude(pk=getattr(self.instance, "pk", None))
        if same.exists():
            raise serializers.ValidationError({"name": f"Team {team.name} has a channel named {name} already."})
        if self.instance is not None and "kind" in attrs and kind != self.instance.kind and "target" not in attrs:
            raise serializers.ValidationError({"target": "A channel of another kind needs its target again."})
        if "target" in attrs or "kind" in attrs:
            target = attrs.get("target", getattr(self.instance, "target", ""))
            if kind == ChannelKind.EMAIL:
                addresses = [a.strip() for a in target.split(",") if a.strip()]
                if not addresses or any("@" not in a or " " in a for a in addresses):
                    raise serializers.ValidationError({"target": "Give email addresses, separated by commas."})
                attrs["target"] = ", ".join(addresses)
            else:
                url = urlsplit(target)
                if url.scheme not in ("http", "https") or not url.hostname:
                    raise serializers.ValidationError({"target": "Give the http:// or https:// URL to post to."})
                if url.username or url.password:
                    raise serializers.ValidationError(
                        {"target": "Leave credentials out of the URL (they would be shown): give them as the secret."}
                    )
                if kind in CHAT and "target" in attrs:
                    # The chat's webhook URL carries its token: kept sealed, shown by its host only.
                    attrs["secret"] = target
                    attrs["target"] = f"{url.scheme}://{url.hostname}/…"
        return attrs


class AlertRuleSerializer(serializers.ModelSerializer):
    """A team's rule. `events`: what fires it; `all_hosts` or `hosts` (within the team's hosts);
    `match`: `{names: [glob], labels: ["key" or "key=value"], stacks: [compose project]}`;
    `channels`: the team's channels told; `threshold_percent` (1 to 99, default 90): how full a host's
    disk or memory gets before host.disk / host.memory fire; `cooldown_seconds`: one message per subject at most
    this often (then a summary); `mute_until`, `mute_windows` (`[{start, end}]`): silence."""

    team = TeamField()
    team_name = serializers.CharField(source="team.name", read_only=True)
    events = serializers.ListField(child=serializers.ChoiceField(EventKind.choices), min_length=1, max_length=20)
    hosts = HostsField(many=True, required=False)
    channels = ChannelsField(many=True, required=False)
    match = serializers.JSONField(required=False)
    mute_windows = serializers.JSONField(required=False)
    cooldown_seconds = serializers.IntegerField(min_value=0, max_value=86400, required=False)
    restart_count = serializers.IntegerField(min_value=2, max_value=1000, required=False)
    restart_window_seconds = serializers.IntegerField(min_value=10, max_value=86400, required=False)
    threshold_percent = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=99,
        error_messages={
            "min_value": "threshold_percent is a percentage from 1 to 99.",
            "max_value": "threshold_percent is a percentage from 1 to 99.",
            "invalid": "threshold_percent is a whole percentage from 1 to 99.",
        },
    )

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "team",
            "team_name",
            "enabled",
            "events",
            "all_hosts",
            "hosts",
            "match",
            "channels",
            "cooldown_seconds",
            "restart_count",
            "restart_window_seconds",
            "threshold_percent",
            "mute_until",
            "mute_windows",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_match(self, value):
        if error := match_errors(value):
            raise serializers.ValidationError(error)
        return value

    def validate_mute_windows(self, value):
        if not isinstance(value, list) or len(value) > 50:
            raise serializers.ValidationError("mute_windows is a list (at most 50) of {start, end}.")
        field = serializers.DateTimeField()
        for window in value:
            if not isinstance(window, dict) or set(window) != {"start", "end"}:
                raise serializers.ValidationError("Each mute window is {start, end}.")
            try:
                start, end = field.to_internal_value(window["start"]), field.to_internal_value(window["end"])
            except serializers.ValidationError:
                raise serializers.ValidationError("A mute window's start and end are dates and times.") from None
            if end <= start:
                raise serializers.ValidationError("A mute window ends after it starts.")
        return value

    def validate(self, attrs):
        team = attrs.get("team", getattr(self.instance, "team", None))
        _require_team_admin(self.context["request"], team, AlertRule)
        name = attrs.get("name", getattr(self.instance, "name", ""))
        if AlertRule.objects.filter(team=team, name=name).exclude(pk=getattr(self.instance, "pk", None)).exists():
            raise serializers.ValidationError({"name": f"Team {team.name} has a rule named {name} already."})
        hosts = attrs.get("hosts", list(self.instance.hosts.all()) if self.instance else [])
        all_hosts = attrs.get("all_hosts", getattr(self.instance, "all_hosts", True))
        if not all_hosts and not hosts:
            raise serializers.ValidationError({"hosts": "Name the hosts, or set all_hosts."})
        scope = team_host_ids(team.pk)
        outside = sorted(h.name for h in hosts if scope is not None and h.pk not in scope)
        if outside:
            raise serializers.ValidationError({"hosts": f"Outside team {team.name}'s hosts: {', '.join(outside)}."})
        channels = attrs.get("channels", list(self.instance.channels.all()) if self.instance else [])
        foreign = sorted(c.name for c in channels if c.team_id != team.pk)
        if foreign:
            raise serializers.ValidationError({"channels": f"Not channels of team {team.name}: {', '.join(foreign)}."})
        return attrs


class AlertEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertEntry
        fields = ["at", "what", "text", "username"]


class DeliverySerializer(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "channel", "channel_name", "kind", "state", "attempts", "next_attempt_at", "sent_at", "error"]


class AlertSerializer(serializers.ModelSerializer):
    """An alert: `state` firing, acknowledged or resolved; `flaps`: how often it came back since
    the last message."""

    host_name = serializers.CharField(source="host.name", read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "rule_name",
            "team",
            "host",
            "host_name",
            "kind",
            "subject",
            "container",
            "title",
            "state",
            "fired_at",
            "last_fired_at",
            "fire_count",
            "flaps",
            "notified_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
        ]
        read_only_fields = fields


class AlertDetailSerializer(AlertSerializer):
    """An alert with its timeline and its deliveries."""

    entries = AlertEntrySerializer(many=True, read_only=True)
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "entries", "deliveries"]
        read_only_fields = fields


class MuteSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=60, max_value=30 * 86400, default=7200)


class TestResultSerializer(serializers.Serializer):
    delivery = serializers.IntegerField()
    state = serializers.CharField()
    error = serializers.CharField()
