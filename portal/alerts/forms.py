"""The forms of the alert settings pages. They render the fields and read what was posted into
the API's shape (`api_data`); what is allowed — team admins only, hosts within the team's, the
team's own channels, a threshold from 1 to 99 — is judged once, by the API's serializers."""

from __future__ import annotations

import re

from django import forms

from portal.access.policy import can
from portal.alerts.choices import ChannelKind, EventKind
from portal.alerts.models import AlertChannel, AlertRule
from portal.hosts.models import Host
from portal.teams.models import Team

__all__ = ["AlertChannelForm", "AlertRuleForm", "manageable_teams"]

MANAGE = "alertrule.manage"
TEXT = {"class": "form-control"}
NUMBER = {"class": "form-control", "inputmode": "numeric"}
CHECKS = forms.CheckboxSelectMultiple({"class": "form-check-input"})
CHECK = forms.CheckboxInput({"class": "form-check-input"})
SEPARATORS = re.compile(r"[,\n]")


def manageable_teams(request) -> list[Team]:
    """The teams whose rules and channels the user may write: asked of the one policy per team."""
    return [team for team in Team.objects.order_by("name") if can(request, MANAGE, AlertRule(team=team))]


def _entries(text: str) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text or "") if part.strip()]


def _number(text: str):
    """The posted text as the API would receive it: a number when it is one, else the text, so the
    serializer's sentence says what is wrong with it."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else text


class TeamChoice(forms.ModelChoiceField):
    """Any team: whether the user may write for it is the serializer's question (a 403 if not)."""

    def __init__(self, teams, **kwargs):
        super().__init__(queryset=Team.objects.all(), widget=forms.Select({"class": "form-select"}), **kwargs)
        self.choices = [(team.pk, team.name) for team in teams]


class AlertRuleForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(TEXT))
    enabled = forms.BooleanField(required=False, initial=True, widget=CHECK)
    events = forms.MultipleChoiceField(
        label="Fires on",
        choices=EventKind.choices,
        widget=CHECKS,
        error_messages={"required": "Choose at least one event that fires the rule."},
    )
    all_hosts = forms.BooleanField(label="On all of the team's hosts", required=False, initial=True, widget=CHECK)
    hosts = forms.ModelMultipleChoiceField(
        label="Or on these hosts", queryset=Host.objects.none(), required=False, widget=CHECKS
    )
    names = forms.CharField(
        label="Container names",
        required=False,
        widget=forms.TextInput({**TEXT, "placeholder": "web*, db"}),
        help_text="Glob patterns, separated by commas; empty: every container.",
    )
    labels = forms.CharField(
        required=False,
        widget=forms.TextInput({**TEXT, "placeholder": "tier=front, monitored"}),
        help_text="key=value, or a bare key for any value; each must match.",
    )
    stacks = forms.CharField(
        required=False,
        widget=forms.TextInput({**TEXT, "placeholder": "shop, blog"}),
        help_text="Compose project names (also what stack.partly_down watches).",
    )
    channels = forms.ModelMultipleChoiceField(
        label="Tell", queryset=AlertChannel.objects.none(), required=False, widget=CHECKS
    )
    cooldown_seconds = forms.CharField(
        label="Cooldown (seconds)",
        initial=300,
        widget=forms.TextInput(NUMBER),
        help_text="At most one message per subject this often; what comes back meanwhile is told in a summary.",
    )
    restart_count = forms.CharField(label="Restart loop: restarts", initial=3, widget=forms.TextInput(NUMBER))
    restart_window_seconds = forms.CharField(
        label="Restart loop: within (seconds)", initial=300, widget=forms.TextInput(NUMBER)
    )
    threshold_percent = forms.CharField(
        label="Disk and memory threshold (%)",
        initial=90,
        widget=forms.TextInput(NUMBER),
        help_text="host.disk and host.memory fire past it, and resolve 2 points under it.",
    )

    def __init__(self, request, *args, rule: AlertRule | None = None, **kwargs):
        if rule is not None:
            match = rule.match or {}
            kwargs.setdefault(
                "initial",
                {
                    "name": rule.name,
                    "team": rule.team_id,
                    "enabled": rule.enabled,
                    "events": rule.events,
                    "all_hosts": rule.all_hosts,
                    "hosts": list(rule.hosts.all()),
                    "names": ", ".join(match.get("names") or []),
                    "labels": ", ".join(match.get("labels") or []),
                    "stacks": ", ".join(match.get("stacks") or []),
                    "channels": list(rule.channels.all()),
                    "cooldown_seconds": rule.cooldown_seconds,
                    "restart_count": rule.restart_count,
                    "restart_window_seconds": rule.restart_window_seconds,
                    "threshold_percent": rule.threshold_percent,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields = {"team": TeamChoice(manageable_teams(request)), **self.fields}
        self.fields["hosts"].queryset = Host.objects.restrict(request, "host.view").order_by("name")
        channels = AlertChannel.objects.restrict(request, "alertrule.view").select_related("team")
        self.fields["channels"].queryset = channels
        self.fields["channels"].label_from_instance = lambda c: f"{c.name} ({c.get_kind_display()}, {c.team.name})"

    def api_data(self) -> dict:
        data = self.cleaned_data
        match = {key: _entries(data.get(key, "")) for key in ("names", "labels", "stacks")}
        return {
            "name": data.get("name", ""),
            "team": data["team"].pk if data.get("team") else None,
            "enabled": bool(data.get("enabled")),
            "events": list(data.get("events") or []),
            "all_hosts": bool(data.get("all_hosts")),
            "hosts": [host.pk for host in data.get("hosts") or []],
            "match": {key: value for key, value in match.items() if value},
            "channels": [channel.pk for channel in data.get("channels") or []],
            **{
                key: _number(data.get(key, ""))
                for key in ("cooldown_seconds", "restart_count", "restart_window_seconds", "threshold_percent")
            },
        }


class AlertChannelForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(TEXT))
    kind = forms.ChoiceField(choices=ChannelKind.choices, widget=forms.Select({"class": "form-select"}))
    target = forms.CharField(
        max_length=500,
        widget=forms.TextInput({**TEXT, "placeholder": "ops@example.com, or https://hooks.example.com/…"}),
        help_text="Email addresses separated by commas, or the URL to post to. A Slack, Discord or Teams "
        "webhook URL is kept encrypted and shown by its host only.",
    )
    secret = forms.CharField(
        label="Secret",
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput({**TEXT, "autocomplete": "new-password"}, render_value=False),
        help_text="A webhook's signing key, an ntfy token. Never shown again.",
    )

    def __init__(self, request, *args, channel: AlertChannel | None = None, **kwargs):
        self.channel = channel
        if channel is not None:
            shown = {"name": channel.name, "team": channel.team_id, "kind": channel.kind, "target": channel.target}
            kwargs.setdefault("initial", shown)
        super().__init__(*args, **kwargs)
        self.fields = {"team": TeamChoice(manageable_teams(request)), **self.fields}
        if channel is not None and channel.has_secret:
            self.fields["secret"].help_text = "A secret is saved: leave this empty to keep it. Never shown again."

    def api_data(self) -> dict:
        """An edit sends only what changed: the target shown of a chat channel is not its URL, and
        an empty secret keeps the saved one."""
        data = self.cleaned_data
        body = {
            "name": data.get("name", ""),
            "team": data["team"].pk if data.get("team") else None,
            "kind": data.get("kind", ""),
            "target": data.get("target", ""),
        }
        if self.channel is not None and body["target"] == self.channel.target and body["kind"] == self.channel.kind:
            del body["target"]
        if data.get("secret"):
            body["secret"] = data["secret"]
        return body
