"""Names shared with the portal over the broker. The portal side names the same strings."""

__all__ = [
    "CONTAINER_DIFF_REQUEST",
    "HOST_QUEUE_PREFIX",
    "INVENTORY_RESYNC_TASK",
    "OPERATION_TASK",
    "PORTAL_QUEUE",
    "REPORT_TASK",
    "channel_layer_config",
    "claim_key",
    "host_queue",
    "host_slug",
    "host_stream_channel",
    "operation_abandoned_key",
    "operation_group",
    "operation_progress_key",
]

import re

PORTAL_QUEUE = "portal"
HOST_QUEUE_PREFIX = "host."
REPORT_TASK = "berth.portal.host_report"
# Sent by the portal to a host's queue when its picture of the host has a gap.
INVENTORY_RESYNC_TASK = "berth.host.inventory_resync"

# Sent by the portal to a host's queue: one operation (workers/operations/ runs it); its only other argument
# is the registry credentials it needs, which nothing logs or stores.
OPERATION_TASK = "berth.host.operation"
# A stream request (on host_stream_channel) for a container's changes, answered on `reply_to`.
CONTAINER_DIFF_REQUEST = "container.diff"

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


def host_stream_channel(slug: str) -> str:
    """The channel-layer channel on which a host worker takes requests to open a stream
    (terminal, attach, logs, stats); each open stream then has a channel of its own."""
    return f"berth.host.{slug}.streams"


def channel_layer_config(redis_url: str) -> dict:
    """The Channels Redis layer's CONFIG, the same in the web process and the host workers."""
    return {
        # redis-py 8 reads with a 5 s socket timeout by default, the same as the layer's
        # blocking receive: an idle websocket would die with "Timeout reading". Read longer.
        "hosts": [{"address": redis_url, "socket_timeout": 15, "socket_keepalive": True}],
        "prefix": "berth:asgi",
        "capacity": 1000,
        # Every channel a process creates with new_channel() (consumers, stream sessions) shares
        # one Redis key and so one capacity: it must hold the stream bridge's window of chunks
        # (workers.streams.messages.WINDOW) for every stream one process serves at once.
        "channel_capacity": {"specific.*": 20000},
        "expiry": 30,
    }


def operation_group(operation_id: int) -> str:
    """The channel-layer group where an operation's progress and final state are told."""
    return f"berth.operation.{int(operation_id)}"


def operation_progress_key(operation_id: int) -> str:
    """The Redis key holding an operation's progress so far, for a viewer who joins late."""
    return f"berth:operation:{int(operation_id)}:progress"


def operation_abandoned_key(operation_id: int) -> str:
    """Set by the portal when it gave an operation up (its host was lost): a worker that
    comes back and finds the task still queued does not run it."""
    return f"berth:operation:{int(operation_id)}:abandoned"
