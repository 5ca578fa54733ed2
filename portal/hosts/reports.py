"""A host worker's reports about itself (hello, heartbeat, goodbye, refused) applied to its host:
idempotent, ordered, and by the portal's clock; and the one rule of whose reports a host accepts."""

from __future__ import annotations

import enum
import logging
import threading
from datetime import timedelta

from django.db import transaction

from portal.hosts.broker import claim_holder
from portal.hosts.choices import HostStatus
from portal.hosts.events import publish_host
from portal.hosts.models import Host

__all__ = ["Claim", "Outcome", "admit_inventory", "apply_presence_report", "worker_claim"]

log = logging.getLogger(__name__)

INFO_FIELDS = {
    "engine_id": "engine_id",
    "engine_version": "engine_version",
    "api_version": "api_version",
    "os": "os",
    "kernel": "kernel",
    "arch": "arch",
    "cpus": "cpus",
    "memory": "memory",
    "containers": "container_count",
    "containers_running": "running_count",
    "images": "image_count",
}
USAGE_FIELDS = ("memory_available", "disk_total", "disk_used")


# A heartbeat moves only these: alone, they are not news for open pages (each of which refetches
# its list on a host event) but for the "last seen" a page shows, sent at most every
# LAST_SEEN_EVENT_EVERY per host. Without this, 200 hosts were 100 events a second to every page.
# The usage figures move a little with every measure: pages (and the alerts judging them) hear of
# them when a percentage moves by a whole point (_shown).
QUIET_FIELDS = frozenset({"last_seen", "last_seq", "updated_at", *USAGE_FIELDS})
LAST_SEEN_EVENT_EVERY = timedelta(seconds=30)
_last_seen_published: dict[str, object] = {}  # by worker instance
_last_seen_lock = threading.Lock()


def _shown(host: Host) -> dict:
    shown = {f.attname: getattr(host, f.attname) for f in Host._meta.concrete_fields if f.attname not in QUIET_FIELDS}
    for name in ("memory_percent", "disk_percent"):
        percent = getattr(host, name)
        shown[name] = None if percent is None else int(percent)
    return shown


def _news(host: Host, shown_before: dict, now) -> bool:
    """Whether open pages should hear of this report: something they show changed, or the last
    time they heard of this host's heartbeats is LAST_SEEN_EVENT_EVERY ago."""
    with _last_seen_lock:
        last = _last_seen_published.get(host.worker_instance)
        if _shown(host) == shown_before and last is not None and now - last < LAST_SEEN_EVENT_EVERY:
            return False
        _last_seen_published[host.worker_instance] = now
        return True


# Outcome serves every app's report handler (hosts, inventory in portal/ingest, operations):
# hosts is the lowest of them, so it lives here.


class Outcome(enum.Enum):
    """What became of a report: applied, stale (older than what is known), or refused."""

    APPLIED = "applied"
    STALE = "stale"
    REFUSED = "refused"


def _record_worker(host: Host, worker: dict) -> None:
    host.worker_machine = str(worker.get("machine") or "")[:200]
    host.worker_version = str(worker.get("version") or "")[:50]
    host.docker_host = str(worker.get("docker_host") or "")[:300]
    host.compose_version = str(worker.get("compose_version") or "")[:50]


def _apply_engine(host: Host, engine: dict | None) -> None:
    if not engine:
        return
    host.engine_reachable = bool(engine.get("reachable"))
    host.engine_error = "" if host.engine_reachable else str(engine.get("error") or "")[:2000]
    info = engine.get("info") or {}
    for source, target in INFO_FIELDS.items():
        if source in info and info[source] is not None:
            setattr(host, target, info[source])
    if "usage" in engine:
        usage = engine.get("usage") or {}
        for name in USAGE_FIELDS:
            setattr(host, name, usage.get(name))


class Claim(enum.Enum):
    """Where a report's worker stands with the host it reports for."""

    CURRENT = "current"  # it is the host's worker
    NEW = "new"  # it may take the host over: no other live worker serves it
    TAKEN = "taken"  # another live worker serves the host


def worker_claim(host: Host, report: dict, now) -> Claim:
    """The one decision, for every kind of report, of whose reports a host accepts."""
    if host.worker_instance == report["instance"]:
        return Claim.CURRENT
    # The name claim in Redis is the authority on which worker serves the name: a worker that
    # holds it replaces one that died without a goodbye, even before that one looks overdue.
    holder = claim_holder(host.slug)
    if holder is not None:
        return Claim.NEW if holder == report["instance"] else Claim.TAKEN
    if host.worker_instance and host.status == HostStatus.ONLINE and not host.heartbeat_overdue(now):
        return Claim.TAKEN
    return Claim.NEW


def _adopt_worker(host: Host, report: dict) -> None:
    """Make the report's worker the host's: a new generation, whose sequence starts afresh."""
    host.worker_instance = report["instance"]
    host.generation += 1
    host.last_seq = 0


def _log_taken(host: Host, report: dict) -> None:
    worker = report.get("worker") or {}
    log.error(
        "Ignoring a %s for host '%s' from worker %s on machine %s: the host is served by worker %s on machine %s.",
        report["kind"],
        host.slug,
        report["instance"],
        worker.get("machine"),
        host.worker_instance,
        host.worker_machine,
    )


def _lock_host(report: dict) -> tuple[Host, bool]:
    return Host.objects.select_for_update().get_or_create(slug=report["host"], defaults={"name": report["name"]})


def admit_inventory(report: dict, now) -> Host | None:
    """The host an inventory report is for, its row locked, if the report's worker may write
    its inventory; None when another live worker serves it. Call inside a transaction.

    Inventory shares the worker's sequence with heartbeats, so it never reads or moves
    `last_seq`: its order is its version (host generation, observed_seq)."""
    host, created = _lock_host(report)
    claim = worker_claim(host, report, now)
    if claim is Claim.TAKEN:
        _log_taken(host, report)
        return None
    if created:
        transaction.on_commit(lambda: publish_host(host, created=True))
    if claim is Claim.NEW:
        _adopt_worker(host, report)
        _record_worker(host, report.get("worker") or {})
        host.save(
            update_fields=[
                "worker_instance",
                "generation",
                "last_seq",
                "worker_machine",
                "worker_version",
                "docker_host",
                "compose_version",
                "updated_at",
            ]
        )
        log.info("Host '%s' adopted worker %s (from its inventory)", host.slug, report["instance"])
    return host


def apply_presence_report(report: dict, now) -> Outcome:
    """Apply a hello, heartbeat, goodbye or refused report (already validated) to its host."""
    worker = report.get("worker") or {}
    with transaction.atomic():
        host, created = _lock_host(report)
        if report["kind"] == "refused":
            log.error(
                "A host worker on machine %s was refused the name '%s': %s",
                worker.get("machine"),
                host.slug,
                report.get("reason", "name in use"),
            )
            return Outcome.REFUSED
        claim = worker_claim(host, report, now)
        if claim is Claim.TAKEN:
            _log_taken(host, report)
            return Outcome.REFUSED
        # Judged before anything changes: a new worker taking over an overdue host starts a new
        # online period even if the liveness watch has not written the old one off yet.
        was_online = host.status == HostStatus.ONLINE and not host.heartbeat_overdue(now)
        shown_before = _shown(host)
        if claim is Claim.CURRENT:
            if report["seq"] <= host.last_seq:
                return Outcome.STALE
        elif report["kind"] == "goodbye":
            return Outcome.STALE  # a former worker's farewell must not take down its successor
        else:
            _adopt_worker(host, report)
            was_online = False
        host.last_seq = report["seq"]
        _record_worker(host, worker)
        _apply_engine(host, report.get("engine"))
        if report["kind"] == "goodbye":
            host.status = HostStatus.OFFLINE
            host.online_since = None
        else:
            host.status = HostStatus.ONLINE
            host.last_seen = now
            if not was_online:
                host.online_since = now
        host.save()
        if was_online != (host.status == HostStatus.ONLINE):
            log.info("Host '%s' is %s", host.slug, host.status)
        news = _news(host, shown_before, now)
        if created or not was_online or news:
            transaction.on_commit(lambda: publish_host(host, created=created))
    return Outcome.APPLIED
