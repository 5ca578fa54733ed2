"""Alerts' events for open pages (`/ws/events/`): what the alerts page and the navbar badge show."""

from __future__ import annotations

from portal.events.publish import publish

__all__ = ["ALERT_EVENT", "alert_summary", "publish_alert"]

ALERT_EVENT = "alert.updated"
SUMMARY_FIELDS = ("id", "host", "kind", "subject", "title", "state", "rule_name", "fired_at", "resolved_at")


def alert_summary(alert) -> dict:
    return {
        "id": alert.pk,
        "host": alert.host_id,
        "kind": alert.kind,
        "subject": alert.subject,
        "title": alert.title,
        "state": alert.state,
        "rule_name": alert.rule_name,
        "fired_at": alert.fired_at,
        "last_fired_at": alert.last_fired_at,
        "resolved_at": alert.resolved_at,
        "acknowledged_at": alert.acknowledged_at,
    }


def publish_alert(alert) -> None:
    publish(alert.host_id, {"type": ALERT_EVENT, "alert": alert_summary(alert)}, action="alert.view")
