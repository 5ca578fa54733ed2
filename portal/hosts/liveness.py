"""The liveness watch: hosts whose heartbeats stopped are marked offline within seconds."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.hosts.choices import HostStatus
from portal.hosts.events import publish_host
from portal.hosts.models import Host

__all__ = ["Hearing", "mark_lost_hosts"]

log = logging.getLogger(__name__)


def mark_lost_hosts(now=None) -> list[Host]:
    """Mark offline every online host not heard from for BERTH_HOST_OFFLINE_AFTER seconds."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.BERTH_HOST_OFFLINE_AFTER)
    lost = []
    with transaction.atomic():
        for host in Host.objects.select_for_update().filter(status=HostStatus.ONLINE, last_seen__lt=cutoff):
            host.status = HostStatus.OFFLINE
            host.online_since = None
            host.save(update_fields=["status", "online_since", "updated_at"])
            lost.append(host)
    for host in lost:
        log.warning("Host '%s' missed its heartbeats since %s: offline", host.slug, host.last_seen)
        publish_host(host)
    return lost


class Hearing:
    """Whether the portal could hear its hosts lately: Redis answers now, and has answered for the
    last BERTH_HOST_OFFLINE_AFTER seconds. A host silent while Redis was away, or just after it
    came back (before its next heartbeat got through), was not lost: the portal was deaf, and
    judging then failed operations that in fact went on and succeeded."""

    def __init__(self, answers: Callable[[], bool], clock: Callable[[], float] = time.monotonic):
        self.answers = answers
        self.clock = clock
        self.deaf_until = 0.0

    def __call__(self) -> bool:
        now = self.clock()
        if not self.answers():
            if now >= self.deaf_until:
                log.warning("Redis does not answer: no host or operation is judged lost until it has for a while")
            self.deaf_until = now + settings.BERTH_HOST_OFFLINE_AFTER
            return False
        return now >= self.deaf_until
