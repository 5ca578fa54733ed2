"""Names shared with the portal over the broker. The portal side names the same strings."""

__all__ = [
    "HOST_QUEUE_PREFIX",
    "INVENTORY_RESYNC_TASK",
    "PORTAL_QUEUE",
    "REPORT_TASK",
    "claim_key",
    "host_queue",
    "host_slug",
]

import re

PORTAL_QUEUE = "portal"
HOST_QUEUE_PREFIX = "host."
REPORT_TASK = "berth.portal.host_report"
# Sent by the portal to a host's queue when its picture of the host has a gap.
INVENTORY_RESYNC_TASK = "berth.host.inventory_resync"

_SLUG_RE = re.compile(r"[^a-z0-9-]+")


def host_slug(name: str) -> str:
    """The slug that names a host's queue: lower-case letters, digits and dashes."""
    slug = _SLUG_RE.sub("-", name.strip().lower()).strip("-")
    if not slug:
        raise ValueError(f"Host name {name!r} has no letters or digits; pick a name like 'web-1'.")
    return slug[:60]


def host_queue(slug: str) -> str:
    return f"{HOST_QUEUE_PREFIX}{slug}"


def claim_key(slug: str) -> str:
    """The Redis key whose holder is the one worker serving this host name (workers.identity)."""
    return f"berth:host-claim:{slug}"
