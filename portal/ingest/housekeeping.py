"""Housekeeping of the mirrored inventory (containers and images): tombstones do not pile up for ever."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.containers.models import Container
from portal.images.models import Image

__all__ = ["purge_tombstones"]

log = logging.getLogger(__name__)


def purge_tombstones(now=None) -> int:
    """Delete containers and images removed more than BERTH_TOMBSTONE_DAYS ago. A tombstone only
    has to outlive reports still in flight about its object; days are far more than enough."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.BERTH_TOMBSTONE_DAYS)
    purged = 0
    for model in (Container, Image):
        count, _ = model.objects.filter(removed_at__lt=cutoff).delete()
        purged += count
    if purged:
        log.info("Purged %d inventory tombstones older than %s", purged, cutoff)
    return purged
