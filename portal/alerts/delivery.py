"""Sending the pending deliveries: claimed with a lease (so two portal workers never send one
twice, and one that died mid-send is taken over once its lease runs out), grouped per channel
(many alerts at once are one message naming each, not a message each), retried with backoff,
every outcome written on the alerts' timelines."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.alerts.choices import ChannelKind, DeliveryKind, DeliveryState
from portal.alerts.events import alert_summary, publish_alert
from portal.alerts.firing import add_entry
from portal.alerts.models import AlertChannel, Delivery
from portal.alerts.senders import DeliveryFailed, Message
from portal.alerts.senders.email import send_email
from portal.alerts.senders.http import send_http
from portal.registries.encryption import SecretUnreadable

__all__ = ["BATCH", "MAX_ATTEMPTS", "backoff", "deliver_due", "due_deliveries", "send_now", "send_to_channel"]

log = logging.getLogger(__name__)

BATCH = 500
MAX_ATTEMPTS = 6
# A message lists at most this many alerts by name; the rest are counted.
LISTED_AT_MOST = 20


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s, … up to 5 minutes."""
    return timedelta(seconds=min(300, 2**attempts))


def due_deliveries(now: datetime):
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    return Delivery.objects.filter(free, state=DeliveryState.PENDING, next_attempt_at__lte=now)


def _claim(now: datetime) -> list[Delivery]:
    ids = list(due_deliveries(now).order_by("pk").values_list("pk", flat=True)[:BATCH])
    if not ids:
        return []
    # A lease of its own (to the microsecond, with a random part) tells this worker's rows apart.
    lease = now + timedelta(seconds=settings.BERTH_ALERT_LEASE_SECONDS, microseconds=random.randrange(1, 999_999))
    due_deliveries(now).filter(pk__in=ids).update(leased_until=lease, attempts=F("attempts") + 1)
    return list(Delivery.objects.filter(pk__in=ids, leased_until=lease).select_related("alert__host", "channel"))


def send_to_channel(channel: AlertChannel, message: Message) -> None:
    """Send one message; DeliveryFailed with a sentence when it did not go."""
    try:
        secret = channel.secret()
    except SecretUnreadable as exc:
        raise DeliveryFailed(str(exc)) from None
    if channel.kind == ChannelKind.EMAIL:
        send_email([a.strip() for a in channel.target.split(",") if a.strip()], message)
    elif channel.kind in (ChannelKind.SLACK, ChannelKind.DISCORD, ChannelKind.TEAMS):
        send_http(channel.kind, secret, "", message)  # the chat's webhook URL is the secret
    else:
        send_http(channel.kind, channel.target, secret, message)


def _message(deliveries: list[Delivery]) -> Message:
    # Each alert with what this message tells of it (fired, resolved, summary).
    alerts = [{**alert_summary(d.alert), "message": d.kind} for d in deliveries if d.alert is not None]
    if len(deliveries) == 1:
        only = deliveries[0]
        return Message(subject=only.text[:200], text=only.text, alerts=alerts, kind=only.kind)
    hosts = sorted({d.alert.host.name for d in deliveries if d.alert is not None})
    lines = [d.text for d in deliveries[:LISTED_AT_MOST]]
    if len(deliveries) > LISTED_AT_MOST:
        lines.append(f"… and {len(deliveries) - LISTED_AT_MOST} more.")
    subject = f"[BERTH] {len(deliveries)} alerts on {', '.join(hosts[:5]) or 'Berth'}"
    return Message(subject=subject, text="\n".join(lines), alerts=alerts, kind="group")


def _outcome(deliveries: list[Delivery], error: str, now: datetime) -> None:
    with transaction.atomic():
        for delivery in deliveries:
            delivery.leased_until = None
            if not error:
                delivery.state, delivery.sent_at, delivery.error = DeliveryState.SENT, now, ""
            elif delivery.attempts >= MAX_ATTEMPTS or delivery.kind == DeliveryKind.TEST:
                delivery.state, delivery.error = DeliveryState.FAILED, error
            else:
                delivery.error, delivery.next_attempt_at = error, now + backoff(delivery.attempts)
            delivery.save(update_fields=["state", "sent_at", "error", "leased_until", "next_attempt_at", "updated_at"])
            if delivery.alert is None:
                continue
            name = delivery.channel.name
            if not error:
                add_entry(delivery.alert, "notified", f"Told {name} ({delivery.kind}).", now)
            elif delivery.state == DeliveryState.FAILED:
                add_entry(delivery.alert, "failed", f"Could not tell {name}, gave up: {error}", now)
            else:
                retry = f"{delivery.next_attempt_at:%H:%M:%S}"
                add_entry(delivery.alert, "retrying", f"Could not tell {name}: {error} (again at {retry})", now)
    for alert in {d.alert_id: d.alert for d in deliveries if d.alert is not None}.values():
        transaction.on_commit(lambda alert=alert: publish_alert(alert))


def send_now(delivery: Delivery) -> Delivery:
    """Send one delivery this process holds the lease of (a channel's test), and record how it went."""
    error = ""
    try:
        send_to_channel(delivery.channel, _message([delivery]))
    except DeliveryFailed as exc:
        error = str(exc)
    _outcome([delivery], error, timezone.now())
    return delivery


def deliver_due(now: datetime | None = None) -> int:
    """Send every due delivery, a message per channel; how many deliveries were sent."""
    sent = 0
    while True:
        claimed = _claim(now or timezone.now())
        if not claimed:
            return sent
        by_channel: dict[int, list[Delivery]] = defaultdict(list)
        for delivery in claimed:
            by_channel[delivery.channel_id].append(delivery)
        for deliveries in by_channel.values():
            groups = [[d] for d in deliveries if d.kind == DeliveryKind.TEST]  # a test goes alone
            rest = [d for d in deliveries if d.kind != DeliveryKind.TEST]
            for group in groups + ([rest] if rest else []):
                error = ""
                try:
                    send_to_channel(group[0].channel, _message(group))
                except DeliveryFailed as exc:
                    error = str(exc)
                    log.warning("Alert delivery to channel %s failed: %s", group[0].channel_id, error)
                _outcome(group, error, timezone.now())
                sent += 0 if error else len(group)
        if now is not None:  # a test's fixed clock: one round
            return sent
