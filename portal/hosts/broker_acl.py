"""The Redis ACL rules of one host's broker user: least privilege, as a pure function.

With them a host worker can take tasks from its own queue (and keep kombu's unacked copies under
its own keys), push reports onto the portal's queue without reading it, serve its own stream
channel and its own process-local channels, and write (not read) the portal's process-local
channels to answer the streams it was asked to serve. It cannot read, pop or push another host's
queue, stream requests or channels, read the portal's queue, list keys, use pub/sub, or run
administrative commands. Key patterns here are glob patterns; a slug's characters ([a-z0-9-])
are not special in them, and each pattern ends at a separator so `web-1` never matches `web-10`.

What a host still shares with the others: transfer keys (`berth:transfer:<random id>`), reached
only by names it is told. Its operations' keys (progress, abandoned) are its own
(`berth:operation:<slug>:…`): no host can read, overwrite or delete another's.
"""

from __future__ import annotations

from wire.layer import LAYER_PREFIX
from wire.names import (
    KOMBU_PRIORITY_SEP,
    PORTAL_CHANNEL_OWNER,
    PORTAL_QUEUE,
    claim_key,
    host_channel_owner,
    host_kombu_keys,
    host_queue,
    host_stream_channel,
    operation_keys,
)

__all__ = ["COMMANDS", "host_acl_rules", "host_key_patterns"]

# Commands by category, then the ones no host needs taken out again (rules apply left to right).
COMMANDS = [
    "-@all",
    "+@connection",
    "+@list",
    "+@sortedset",
    "+@hash",
    "+@set",
    "+@string",
    "+@keyspace",
    "+@scripting",
    "+@transaction",
    "-@admin",
    "-@dangerous",
    "-@pubsub",
    "-keys",
    "-scan",
    "-randomkey",
    "-function",
    "-script|flush",
    "-script|kill",
    "-client|kill",
    "-client|list",
    "-client|pause",
    "-client|no-evict",
    "-object",
    "-move",
    "-copy",
    "-rename",
    "-renamenx",
    "-swapdb",
]


def host_key_patterns(slug: str) -> list[str]:
    """The keys a host's user may read and write (its root rules)."""
    queue = host_queue(slug)
    unacked = host_kombu_keys(slug)
    return [
        queue,
        f"{queue}{KOMBU_PRIORITY_SEP}*",
        f"_kombu.binding.{queue}",
        f"_kombu.binding_permanent.{queue}",
        *unacked.values(),
        claim_key(slug),
        LAYER_PREFIX + host_stream_channel(slug),
        f"{LAYER_PREFIX}specific.{host_channel_owner(slug)}.*",
        "berth:transfer:*",
        operation_keys(slug),
    ]


def host_acl_rules(slug: str, password_sha256: str) -> list[str]:
    """The arguments of `ACL SETUSER <user>` that make the user exactly this (it starts with
    `reset`, so applying them again replaces whatever the user was, passwords included)."""
    portal = [PORTAL_QUEUE, f"{PORTAL_QUEUE}{KOMBU_PRIORITY_SEP}*"]
    portal_channels = f"{LAYER_PREFIX}specific.{PORTAL_CHANNEL_OWNER}.*"
    return [
        "reset",
        "on",
        f"#{password_sha256}",
        "resetchannels",
        *COMMANDS,
        *(f"~{pattern}" for pattern in host_key_patterns(slug)),
        # Reports: push onto the portal's queue, never read it.
        "(" + " ".join([*(f"%W~{key}" for key in portal), "+lpush"]) + ")",
        # Answers to the portal's channels go through wire.layer's send script: it counts and adds,
        # and cannot read a message (no ZRANGE or ZPOPMIN there).
        f"(~{portal_channels} +eval +evalsha +zremrangebyscore +zcount +zadd +expire)",
        # An operation's progress goes to its group: read who follows it, never join it.
        f"(~{LAYER_PREFIX}:group:berth.operation.* +zremrangebyscore +zrange)",
    ]
