"""Changing alert rules and channels, acknowledging and muting alerts — the one path of the API
and the pages, each change saved and audited in one transaction. Secrets never enter the audit
trail (a channel's secret is named only as "set")."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.alerts.choices import AlertState, DeliveryKind
from portal.alerts.delivery import send_now
from portal.alerts.detect import judge_rule_hosts
from portal.alerts.events import publish_alert
from portal.alerts.firing import add_entry
from portal.alerts.models import Alert, AlertChannel, AlertRule, Delivery, Mute
from portal.audit.record import record
from portal.refusals import Conflict

__all__ = [
    "acknowledge_alert",
    "change_channel",
    "change_rule",
    "create_channel",
    "create_rule",
    "delete_channel",
    "delete_rule",
    "mute_alert",
    "test_channel",
]

RULE_FIELDS = (
    "name",
    "team",
    "enabled",
    "events",
    "all_hosts",
    "match",
    "cooldown_seconds",
    "restart_count",
    "restart_window_seconds",
    "threshold_percent",
    "mute_until",
    "mute_windows",
)


def _rule_detail(rule: AlertRule) -> dict:
    return {
        "name": rule.name,
        "team": rule.team.name,
        "events": rule.events,
        "all_hosts": rule.all_hosts,
        "hosts": sorted(h.name for h in rule.hosts.all()),
        "match": rule.match,
        "channels": sorted(c.name for c in rule.channels.all()),
        "cooldown_seconds": rule.cooldown_seconds,
        "threshold_percent": rule.threshold_percent,
        "mute_until": rule.mute_until.isoformat() if rule.mute_until else None,
    }


def _save_rule(rule: AlertRule, fields: dict) -> AlertRule:
    hosts, channels = fields.pop("hosts", None), fields.pop("channels", None)
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    if hosts is not None:
        rule.hosts.set(hosts)
    if channels is not None:
        rule.channels.set(channels)
    return rule


def _channel_detail(channel: AlertChannel) -> dict:
    # (no key holding "secret" or "token": the audit trail drops those; this names only whether one is kept)
    return {
        "name": channel.name,
        "team": channel.team.name,
        "kind": channel.kind,
        "target": channel.target,
        "sealed": channel.has_secret,
    }


def _save_channel(channel: AlertChannel, fields: dict) -> AlertChannel:
    secret = fields.pop("secret", None)
    for name, value in fields.items():
        setattr(channel, name, value)
    if secret is not None:
        channel.set_secret(secret)
    channel.save()
    return channel


def _write(request, action: str, save, describe, obj, fields: dict):
    with transaction.atomic():
        obj = save(obj, fields)
        record(action, request=request, target=obj, detail=describe(obj))
    return obj


def _delete(request, action: str, describe, obj) -> None:
    with transaction.atomic():
        record(action, request=request, target=obj, detail=describe(obj))
        obj.delete()


def create_rule(request, **fields) -> AlertRule:
    rule = _write(request, "alert.rule.create", _save_rule, _rule_detail, AlertRule(), fields)
    transaction.on_commit(lambda: judge_rule_hosts(rule))
    return rule


def change_rule(request, rule: AlertRule, **fields) -> AlertRule:
    rule = _write(request, "alert.rule.change", _save_rule, _rule_detail, rule, fields)
    # A threshold raised past the usage resolves now, not at the host's next news.
    transaction.on_commit(lambda: judge_rule_hosts(rule))
    return rule


def delete_rule(request, rule: AlertRule) -> None:
    _delete(request, "alert.rule.delete", _rule_detail, rule)


def create_channel(request, **fields) -> AlertChannel:
    return _write(request, "alert.channel.create", _save_channel, _channel_detail, AlertChannel(), fields)


def change_channel(request, channel: AlertChannel, **fields) -> AlertChannel:
    return _write(request, "alert.channel.change", _save_channel, _channel_detail, channel, fields)


def delete_channel(request, channel: AlertChannel) -> None:
    _delete(request, "alert.channel.delete", _channel_detail, channel)


def test_channel(request, channel: AlertChannel) -> Delivery:
    """Send a test message now, in this request, and say how it went (a failed test is not retried)."""
    now = timezone.now()
    user = request.user.get_username()
    text = f"[TEST] A test of alert channel {channel.name} from Berth, asked by {user}."
    # Leased to this request for its one attempt: no portal worker takes it meanwhile.
    lease = now + timedelta(seconds=60)
    with transaction.atomic():
        delivery = Delivery.objects.create(
            channel=channel, kind=DeliveryKind.TEST, text=text, next_attempt_at=now, leased_until=lease, attempts=1
        )
        record("alert.channel.test", request=request, target=channel, detail=_channel_detail(channel))
    return send_now(delivery)


def acknowledge_alert(request, alert: Alert) -> Alert:
    if alert.state == AlertState.RESOLVED:
        raise Conflict("This alert is resolved already: there is nothing to acknowledge.", "alert_resolved")
    now = timezone.now()
    with transaction.atomic():
        if alert.state != AlertState.ACKNOWLEDGED:
            alert.state, alert.acknowledged_at, alert.acknowledged_by = AlertState.ACKNOWLEDGED, now, request.user
            alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "updated_at"])
            add_entry(
                alert,
                "acknowledged",
                f"Acknowledged by {request.user.get_username()}.",
                now,
                request.user.get_username(),
            )
            record("alert.acknowledge", request=request, target=alert, detail={"title": alert.title})
    transaction.on_commit(lambda: publish_alert(alert))
    return alert


def mute_alert(request, alert: Alert, seconds: int) -> Mute:
    """Nobody is told of this alert's subject on its host for `seconds` (its alerts still show)."""
    now = timezone.now()
    until = now + timedelta(seconds=seconds)
    user = request.user.get_username()
    with transaction.atomic():
        mute = Mute.objects.create(host=alert.host, subject=alert.subject, until=until, created_by=request.user)
        add_entry(alert, "muted", f"{alert.subject} muted until {until:%Y-%m-%d %H:%M} UTC by {user}.", now, user)
        record(
            "alert.mute",
            request=request,
            target=alert,
            detail={"subject": alert.subject, "until": until.isoformat(), "seconds": seconds},
        )
    transaction.on_commit(lambda: publish_alert(alert))
    return mute
