"""Tasks the portal worker runs for host workers (queue `portal`)."""

import logging

from celery import shared_task
from django.db import close_old_connections

from portal.hosts.signatures import report_is_from_its_host
from portal.ingest.reports import InvalidReport, apply_host_report
from wire.names import REPORT_TASK
from wire.reports import parse_report

log = logging.getLogger(__name__)


@shared_task(name=REPORT_TASK, ignore_result=True)
def host_report(report, signature=None):
    """Applies the report if it is shaped like one and signed by the host it names."""
    close_old_connections()
    try:
        parsed = parse_report(report)
    except InvalidReport as exc:
        log.error("Dropped a malformed host report: %s", exc)
        return "invalid"
    if not report_is_from_its_host(report, signature):
        return "forged"
    try:
        return apply_host_report(report, parsed=parsed).value
    except InvalidReport as exc:
        log.error("Dropped a malformed host report: %s", exc)
        return "invalid"
