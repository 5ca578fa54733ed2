"""What the portal reads from and sends through Redis about a host: who holds its name, and
requests to its worker."""

from __future__ import annotations

import json
import logging
from functools import cache

import redis
from django.conf import settings

from portal.celery import app
from portal.hosts.host_tasks import send_host_task
from wire.consuming import queue_depth as wire_queue_depth
from wire.names import INVENTORY_RESYNC_TASK, claim_key, inventory_resync_key

__all__ = ["claim_holder", "queue_depth", "redis_answers", "request_inventory_resync"]

log = logging.getLogger(__name__)

RESYNC_AT_MOST_EVERY = 30  # seconds, per host


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def redis_answers() -> bool:
    """Whether Redis, through which every host report comes, answers now."""
    try:
        return bool(_redis().ping())
    except redis.RedisError:
        return False


def queue_depth(queue: str) -> int | None:
    """How many messages wait in `queue`; None when Redis does not answer."""
    return wire_queue_depth(_redis(), queue)


def claim_holder(slug: str) -> str | None:
    """The instance id of the worker that holds this host name now, or None when nobody does
    (or Redis cannot say)."""
    try:
        raw = _redis().get(claim_key(slug))
        return json.loads(raw).get("instance") if raw else None
    except (redis.RedisError, ValueError, AttributeError) as exc:
        log.warning("Could not read the name claim of host '%s': %s", slug, exc)
        return None


def request_inventory_resync(slug: str, force: bool = False) -> bool:
    """Ask the host's worker for a full snapshot; at most once per RESYNC_AT_MOST_EVERY seconds,
    unless `force` (a new portal worker: what its predecessor held is lost, whenever the last ask was)."""
    try:
        asked = _redis().set(inventory_resync_key(slug), 1, nx=not force, ex=RESYNC_AT_MOST_EVERY)
        if not asked:
            return False
        send_host_task(app, slug, INVENTORY_RESYNC_TASK, expires=RESYNC_AT_MOST_EVERY)
    except Exception as exc:  # the next snapshot's check asks again
        log.warning("Could not ask host '%s' for a full inventory: %s", slug, exc)
        return False
    log.info("Asked host '%s' for a full inventory: the portal's picture has a gap", slug)
    return True
