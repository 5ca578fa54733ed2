"""Firing and resolving alerts, and deciding who is told: no storms, no silence.

- One alert per rule, condition and subject while it holds: the same condition again is nothing new.
- A condition that comes back within the rule's cooldown of the last message reopens the alert
  without a message (a flap); at the cooldown's end one summary says how often it came back.
- A muted subject or rule still fires and shows; nobody is told.
- Every message is a Delivery row (portal/alerts/delivery.py sends them), kicked once the
  transaction commits.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.alerts.choices import AlertState, DeliveryKind
from portal.alerts.events import publish_alert
from portal.alerts.models import Alert, AlertEntry, AlertRule, Delivery, Mute

__all__ = ["add_entry", "fire", "muted", "notify", "resolve", "send_summaries"]

log = logging.getLogger(__name__)

OPEN = (AlertState.FIRING, AlertState.ACKNOWLEDGED)


def add_entry(alert: Alert, what: str, text: str, now: datetime, username: str = "") -> None:
    AlertEntry.objects.create(alert=alert, at=now, what=what, text=text[:500], username=username)


def _in_window(window: dict, now: datetime) -> bool:
    start, end = parse_datetime(str(window.get("start", ""))), parse_datetime(str(window.get("end", "")))
    return start is not None and end is not None and start <= now < end


def muted(alert: Alert, now: datetime) -> str:
    """Why nobody is told of this alert now ("" when they are)."""
    rule = alert.rule
    if rule is not None:
        if rule.mute_until and rule.mute_until > now:
            return f"rule muted until {rule.mute_until:%Y-%m-%d %H:%M} UTC"
        if any(_in_window(w, now) for w in rule.mute_windows or [] if isinstance(w, dict)):
            return "in a maintenance window"
    mute = Mute.objects.filter(host_id=alert.host_id, subject=alert.subject, until__gt=now).first()
    return f"{alert.subject} muted until {mute.until:%Y-%m-%d %H:%M} UTC" if mute else ""


def _message(alert: Alert, kind: str) -> str:
    host = alert.host.name
    if kind == DeliveryKind.RESOLVED:
        return f"[RESOLVED] {alert.title} (host {host})"
    if kind == DeliveryKind.SUMMARY:
        state = "still firing" if alert.open else "resolved now"
        return f"[SUMMARY] {alert.title} (host {host}): came back {alert.flaps} times since the last message; {state}"
    return f"[FIRING] {alert.title} (host {host})"


def notify(alert: Alert, kind: str, now: datetime) -> int:
    """A delivery per channel of the alert's rule (none when muted); how many."""
    why = muted(alert, now)
    if why:
        add_entry(alert, "muted", f"Nobody told ({why}).", now)
        return 0
    channels = list(alert.rule.channels.all()) if alert.rule is not None else []
    text = _message(alert, kind)
    Delivery.objects.bulk_create(
        [Delivery(alert=alert, channel=c, kind=kind, text=text, next_attempt_at=now) for c in channels]
    )
    alert.notified_at = now
    alert.save(update_fields=["notified_at", "updated_at"])
    if channels:
        from portal.alerts.tasks import kick_delivery  # (tasks import delivery, which imports this module)

        transaction.on_commit(kick_delivery)
    return len(channels)


def fire(
    rule: AlertRule,
    host,
    kind: str,
    subject: str,
    title: str,
    now: datetime | None = None,
    *,
    container_id: int | None = None,
    detail: dict | None = None,
) -> Alert | None:
    """Fire the alert of `rule` for `kind` about `subject` on `host`; None when it already fires."""
    now = now or timezone.now()
    key = {"rule": rule, "host": host, "kind": kind, "subject": subject}
    with transaction.atomic():
        if Alert.objects.select_for_update().filter(state__in=OPEN, **key).exists():
            return None
        last = Alert.objects.select_for_update().filter(state=AlertState.RESOLVED, **key).order_by("-pk").first()
        cooldown = timedelta(seconds=rule.cooldown_seconds)
        if last is not None and last.notified_at is not None and now - last.notified_at < cooldown:
            last.state, last.resolved_at, last.title = AlertState.FIRING, None, title[:500]
            last.fire_count += 1
            last.flaps += 1
            last.last_fired_at = now
            last.summary_due_at = last.summary_due_at or last.notified_at + cooldown
            last.container_id = container_id or last.container_id
            last.save()
            add_entry(last, "fired", f"Fired again ({last.fire_count} times): told in a summary.", now)
            alert = last
        else:
            alert = Alert.objects.create(
                rule_name=rule.name,
                team_id=rule.team_id,
                fired_at=now,
                last_fired_at=now,
                title=title[:500],
                container_id=container_id,
                detail=detail or {},
                **key,
            )
            add_entry(alert, "fired", title, now)
            notify(alert, DeliveryKind.FIRED, now)
    log.info("Alert %s fired: %s", alert.pk, alert.title)
    transaction.on_commit(lambda: publish_alert(alert))
    return alert


def resolve(alert: Alert, why: str, now: datetime | None = None) -> None:
    """Resolve an open alert; told unless it is flapping (then the summary tells)."""
    now = now or timezone.now()
    with transaction.atomic():
        alert.state, alert.resolved_at = AlertState.RESOLVED, now
        alert.save(update_fields=["state", "resolved_at", "updated_at"])
        add_entry(alert, "resolved", why, now)
        if alert.flaps == 0:
            notify(alert, DeliveryKind.RESOLVED, now)
    log.info("Alert %s resolved: %s", alert.pk, why)
    transaction.on_commit(lambda: publish_alert(alert))


def send_summaries(now: datetime | None = None) -> int:
    """A summary for each alert that came back within its cooldown, once the cooldown is over."""
    now = now or timezone.now()
    sent = 0
    for alert in Alert.objects.filter(summary_due_at__lte=now).select_related("host", "rule"):
        with transaction.atomic():
            if alert.flaps:
                notify(alert, DeliveryKind.SUMMARY, now)
                add_entry(alert, "summary", f"Came back {alert.flaps} times within the cooldown.", now)
                sent += 1
            alert.flaps, alert.summary_due_at = 0, None
            alert.save(update_fields=["flaps", "summary_due_at", "updated_at"])
    return sent
