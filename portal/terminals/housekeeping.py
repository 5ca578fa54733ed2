"""Housekeeping of terminal sessions: recordings are kept BERTH_RECORDING_DAYS, then deleted (the
session's record stays, as the audit trail does); a session whose web process is gone (killed,
or cut off from the database) is ended, so no record stays open for good; so is one whose browser
dropped and did not come back within its grace period (its host worker ended the process)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.audit.choices import Outcome
from portal.audit.record import record
from portal.terminals.events import publish_session
from portal.terminals.models import TerminalSession
from portal.terminals.recording import recordings_dir

__all__ = ["ALIVE_EVERY", "ORPHANED_AFTER", "end_orphaned_sessions", "purge_recordings"]

# A session not refreshed for ORPHANED_AFTER has lost the web process that served it (its host
# worker ends the exec once the web side goes silent). Its web process refreshes it four times in
# that while, and the portal worker sweeps as often (portal/ingest/periodic.py).
ORPHANED_AFTER = timedelta(seconds=settings.BERTH_TERMINAL_ORPHANED_AFTER)
ALIVE_EVERY = ORPHANED_AFTER.total_seconds() / 4
ORPHANED_REASON = "Berth lost the web process that served this session; it was ended."
GRACE_REASON = "The connection dropped and nobody resumed the session in time; it was ended."

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


def end_orphaned_sessions(now=None) -> int:
    """End the open sessions nobody serves any more, as of the last time they were known alive."""
    now = now or timezone.now()
    open_sessions = TerminalSession.objects.filter(ended_at=None)
    orphaned = open_sessions.filter(detached_until=None, alive_at__lt=now - ORPHANED_AFTER)
    not_resumed = open_sessions.filter(detached_until__lt=now)
    ended = 0
    for session in (*orphaned.select_related("host", "user"), *not_resumed.select_related("host", "user")):
        gone_at, reason = (
            (session.detached_until, GRACE_REASON) if session.detached_until else (session.alive_at, ORPHANED_REASON)
        )
        if not TerminalSession.objects.filter(
            pk=session.pk, ended_at=None, detached_until=session.detached_until
        ).update(ended_at=gone_at, end_reason=reason, detached_until=None):
            continue  # its web process ended it meanwhile, or a browser resumed it
        ended += 1
        record(
            f"{session.kind}.end",
            user=session.user,
            target_type="container",
            target_id=str(session.container_id or ""),
            host=session.host,
            source_ip=session.source_ip,
            outcome=Outcome.FAILURE,
            detail={"session": session.pk, "container": session.container_name, "reason": reason},
        )
        publish_session(session, started=False)
    if ended:
        log.warning("Ended %d terminal sessions whose web process was gone", ended)
    return ended
