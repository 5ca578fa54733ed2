"""The names both sides use over the broker: queues, task names, Redis keys, channels and groups."""

__all__ = [
    "HOST_QUEUE_PREFIX",
    "INVENTORY_RESYNC_TASK",
    "KOMBU_PRIORITY_SEP",
    "OPERATION_TASK",
    "PORTAL_CHANNEL_OWNER",
    "PORTAL_QUEUE",
    "REPORT_TASK",
    "claim_key",
    "host_broker_user",
    "host_channel_owner",
    "host_kombu_keys",
    "host_queue",
    "host_slug",
    "host_stream_channel",
    "inventory_resync_key",
    "operation_abandoned_key",
    "operation_group",
    "operation_keys",
    "operation_progress_key",
    "queue_lists",
]

import hashlib
import re

PORTAL_QUEUE = "portal"
HOST_QUEUE_PREFIX = "host."
REPORT_TASK = "berth.portal.host_report"
# Sent by the portal to a host's queue when its picture of the host has a gap.
INVENTORY_RESYNC_TASK = "berth.host.inventory_resync"

# Sent by the portal to a host's queue: one operation (workers/operations/ runs it); its only other argument
# is the registry credentials it needs, which nothing logs or stores.
OPERATION_TASK = "berth.host.operation"

# Kombu's Redis transport names a queue's priority lists `<queue><sep><priority>`.
KOMBU_PRIORITY_SEP = "\x06\x16"
# What the process-local channels of the portal's processes start with (wire.layer): hosts may
# write to those, and to no other host's.
PORTAL_CHANNEL_OWNER = "portal"

_SLUG_RE = re.compile(r"[^a-z0-9-]+")


def host_slug(name: str) -> str:
    """The slug that names a host's queue: lower-case letters, digits and dashes."""
    slug = _SLUG_RE.sub("-", name.strip().lower()).strip("-")
    if not slug:
        raise ValueError(f"Host name {name!r} has no letters or digits; pick a name like 'web-1'.")
    return slug[:60]


def host_queue(slug: str) -> str:
    return f"{HOST_QUEUE_PREFIX}{slug}"


def queue_lists(queue: str) -> list[str]:
    """The Redis lists kombu keeps a queue's messages in: the queue's own and one per priority."""
    return [queue, *(f"{queue}{KOMBU_PRIORITY_SEP}{p}" for p in range(10))]


def claim_key(slug: str) -> str:
    """The Redis key whose holder is the one worker serving this host name (workers.identity)."""
    return f"berth:host-claim:{slug}"


def inventory_resync_key(slug: str) -> str:
    """Set by the portal for a while after it asked this host for a full inventory."""
    return f"berth:inventory-resync:{slug}"


def host_stream_channel(slug: str) -> str:
    """The channel-layer channel on which a host worker takes requests to open a stream
    (terminal, attach, logs, stats); each open stream then has a channel of its own."""
    return f"berth.host.{slug}.streams"


def operation_group(operation_id: int) -> str:
    """The channel-layer group where an operation's progress and final state are told."""
    return f"berth.operation.{int(operation_id)}"


def operation_keys(slug: str) -> str:
    """The pattern of the Redis keys of the operations of host `slug` (its broker user's, no other's)."""
    return f"berth:operation:{slug}:*"


def operation_progress_key(slug: str, operation_id: int) -> str:
    """The Redis key holding an operation's progress so far, for a viewer who joins late."""
    return f"berth:operation:{slug}:{int(operation_id)}:progress"


def operation_abandoned_key(slug: str, operation_id: int) -> str:
    """Set by the portal when it gave an operation up (its host was lost): a worker that
    comes back and finds the task still queued does not run it."""
    return f"berth:operation:{slug}:{int(operation_id)}:abandoned"


def host_broker_user(slug: str) -> str:
    """The Redis ACL user of one host (portal/hosts/broker_users.py)."""
    return f"berth-host-{slug}"


def host_kombu_keys(slug: str) -> dict[str, str]:
    """Kombu's transport options that give a host's worker its own unacked-message keys, so that
    no host sees another's messages in flight (kombu's defaults are one `unacked` for all)."""
    base = f"berth:kombu:{slug}:"
    return {
        "unacked_key": base + "unacked",
        "unacked_index_key": base + "unacked_index",
        "unacked_mutex_key": base + "unacked_mutex",
    }


def host_channel_owner(slug: str) -> str:
    """What a host worker's process-local channels start with (wire.layer), so its own Redis
    user may read them and no other host's. A digest of the slug, not the slug: a channel name
    must stay under 100 characters, and a slug may have 60."""
    return "host-" + hashlib.sha256(slug.encode()).hexdigest()[:16]
