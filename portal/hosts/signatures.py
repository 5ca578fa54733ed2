"""Whether a report comes from the host it names: signed with that host's key (wire.signing).
A report that is not is dropped, logged, and noted on the host's page. So is a stream message
that its host did not sign (portal.ws.streams sends `stream_forged`; wire.stream_signing)."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from portal.hosts.events import publish_host
from portal.hosts.models import Host
from portal.ws.streams import stream_forged
from wire.keys import InvalidKey, VerifyKey
from wire.signing import report_signed_by

__all__ = ["note_forged", "report_is_from_its_host"]

log = logging.getLogger(__name__)

# A host's page is told of forged stream messages at most this often per web process: each stream
# notes its first one, and a hundred streams under attack make one write, not a hundred.
STREAM_NOTE_EVERY = 10.0
_stream_noted: dict[str, float] = {}


def report_is_from_its_host(report: Any, signature: Any) -> bool:
    slug = report.get("host") if isinstance(report, dict) else None
    if not isinstance(slug, str):
        return True  # not a report at all: parse_report refuses it with the sentence why
    host = Host.objects.filter(slug=slug).only("pk", "name", "verify_key").first()
    if host is None:
        log.error("Dropped a %s report for host '%s': no such host is enrolled.", report.get("kind"), slug)
        return False
    try:
        signed = bool(host.verify_key) and report_signed_by(VerifyKey.from_text(host.verify_key), report, signature)
    except InvalidKey:
        signed = False
    if signed:
        return True
    if not host.verify_key:
        why = "the host is not enrolled yet"
    elif signature is None:
        why = "it is not signed (a worker started without enrollment?)"
    else:
        why = "its signature is not the host's (forged, or from before its credentials were rotated)"
    worker = report.get("worker") if isinstance(report.get("worker"), dict) else {}
    log.error(
        "Dropped a %s report in host '%s''s name from machine %s: %s.",
        report.get("kind"),
        slug,
        worker.get("machine"),
        why,
    )
    note_forged(host, f"A {report.get('kind')} report in this host's name was dropped: {why}.")
    return False


def note_forged(host: Host, sentence: str) -> None:
    """Shows `sentence` on the host's page (and its API record) as the last forgery in its name."""
    Host.objects.filter(pk=host.pk).update(forged_report=sentence, forged_report_at=timezone.now())
    host.refresh_from_db()
    publish_host(host)


@receiver(stream_forged, dispatch_uid="berth-hosts-forged-stream")
def forged_stream(sender, host_slug: str, kind: str, why: str, **kwargs) -> None:
    now = time.monotonic()
    if now - _stream_noted.get(host_slug, -STREAM_NOTE_EVERY) < STREAM_NOTE_EVERY:
        return
    _stream_noted[host_slug] = now
    host = Host.objects.filter(slug=host_slug).first()
    if host is not None:
        note_forged(host, f"A {kind} stream message in this host's name was refused: {why}.")
