"""Tasks the portal worker runs for host workers (queue `portal`)."""

import logging

from celery import shared_task
from django.db import close_old_connections

from portal.ingest.reports import InvalidReport, apply_host_report
from wire.names import REPORT_TASK

log = logging.getLogger(__name__)


@shared_task(name=REPORT_TASK, ignore_result=True)
def host_report(report):
    close_old_connections()
    try:
        return apply_host_report(report).value
    except InvalidReport as exc:
        log.error("Dropped a malformed host report: %s", exc)
        return "invalid"
