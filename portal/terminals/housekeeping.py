"""Housekeeping of terminal recordings: they are kept BERTH_RECORDING_DAYS, then deleted (the
session's record stays, as the audit trail does)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.terminals.models import TerminalSession
from portal.terminals.recording import recordings_dir

__all__ = ["purge_recordings"]

log = logging.getLogger(__name__)


def purge_recordings(now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=settings.BERTH_RECORDING_DAYS)
    old = TerminalSession.objects.filter(started_at__lt=cutoff).exclude(recording="")
    purged = 0
    root = recordings_dir().resolve()
    for session in old.only("pk", "recording"):
        path = (root / session.recording).resolve()
        if path.is_relative_to(root):
            path.unlink(missing_ok=True)
        purged += TerminalSession.objects.filter(pk=session.pk).update(recording="", recording_bytes=0)
    if purged:
        log.info("Purged %d terminal recordings older than %s", purged, cutoff)
    return purged
