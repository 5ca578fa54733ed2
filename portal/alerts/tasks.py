"""The portal worker's delivery task (queue `portal`): sends what is due. Kicked when deliveries
are made, and by the periodic job while any are due (retries, and what a dead worker left)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import close_old_connections
from django.utils import timezone

from portal.alerts.delivery import deliver_due, due_deliveries

__all__ = ["DELIVER_TASK", "deliver_alerts", "kick_delivery", "kick_due_deliveries"]

log = logging.getLogger(__name__)

DELIVER_TASK = "berth.portal.alert_deliver"


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver_alerts():
    close_old_connections()
    return deliver_due()


def kick_delivery() -> None:
    """Ask a portal worker to send what is due now. If the broker is away, the periodic job asks
    again: the deliveries are in the database."""
    try:
        deliver_alerts.apply_async(queue="portal")
    except Exception as exc:
        log.warning("Could not ask a portal worker to deliver alerts now (%s); the periodic job will", exc)


def kick_due_deliveries() -> bool:
    """A periodic job: kick a delivery while any is due."""
    if due_deliveries(timezone.now()).exists():
        kick_delivery()
        return True
    return False
