"""Housekeeping of the mirrored inventory (containers, images, networks, volumes): tombstones do
not pile up for ever."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.containers.models import Container
from portal.images.models import Image
from portal.networks.models import Network
from portal.volumes.models import Volume

__all__ = ["purge_tombstones"]

log = logging.getLogger(__name__)


def purge_tombstones(now=None) -> int:
    """Delete inventory rows removed more than BERTH_TOMBSTONE_DAYS ago. A tombstone only
    has to outlive reports still in flight about its object; days are far more than enough."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.BERTH_TOMBSTONE_DAYS)
    purged = 0
    for model in (Container, Image, Network, Volume):
        count, _ = model.objects.filter(removed_at__lt=cutoff).delete()
        purged += count
    if purged:
        log.info("Purged %d inventory tombstones older than %s", purged, cutoff)
    return purged
