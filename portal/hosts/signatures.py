"""Whether a report comes from the host it names: signed with that host's key (wire.signing).
A report that is not is dropped, logged, and noted on the host's page."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from portal.hosts.events import publish_host
from portal.hosts.models import Host
from wire.keys import InvalidKey, VerifyKey
from wire.signing import report_signed_by

__all__ = ["report_is_from_its_host"]

log = logging.getLogger(__name__)


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
    now = timezone.now()
    sentence = f"A {report.get('kind')} report in this host's name was dropped: {why}."
    Host.objects.filter(pk=host.pk).update(forged_report=sentence, forged_report_at=now)
    host.refresh_from_db()
    publish_host(host)
    return False
