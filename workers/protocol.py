"""Names shared with the portal over the broker. The portal side names the same strings."""

__all__ = [
    "HOST_QUEUE_PREFIX",
    "PORTAL_QUEUE",
    "REPORT_TASK",
    "host_queue",
    "host_slug",
]

import re

PORTAL_QUEUE = "portal"
HOST_QUEUE_PREFIX = "host."
REPORT_TASK = "berth.portal.host_report"

_SLUG_RE = re.compile(r"[^a-z0-9-]+")


def host_slug(name: str) -> str:
    """The slug that names a host's queue: lower-case letters, digits and dashes."""
    slug = _SLUG_RE.sub("-", name.strip().lower()).strip("-")
    if not slug:
        raise ValueError(f"Host name {name!r} has no letters or digits; pick a name like 'web-1'.")
    return slug[:60]


def host_queue(slug: str) -> str:
    return f"{HOST_QUEUE_PREFIX}{slug}"
