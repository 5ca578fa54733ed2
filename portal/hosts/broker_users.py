"""Each host's own Redis user, made and unmade by the portal when it may (BERTH_BROKER_USERS).

Berth manages users only when two things hold: its own Redis user may (`ACL DRYRUN`), and the
broker's `default` user is not open to anyone without a password (otherwise any host would use
that one instead of its own, and per-host users would protect nothing). When it does not, it
says why, in the log and on every host's page (`broker_management().problem`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings

from portal.hosts.broker_acl import host_acl_rules
from portal.refusals import Unavailable
from wire.layer import LAYER_PREFIX
from wire.names import host_broker_user, host_kombu_keys, host_queue, host_stream_channel, queue_lists

__all__ = [
    "BrokerManagement",
    "BrokerUnavailable",
    "broker_management",
    "drop_host_user",
    "purge_host_keys",
    "refresh_host_users",
    "set_host_user",
]

log = logging.getLogger(__name__)

# How long one answer about whether Berth may manage users is believed.
CHECK_EVERY = 60


class BrokerUnavailable(Unavailable):
    code = "broker_unavailable"


@dataclass(frozen=True)
class BrokerManagement:
    """Whether Berth gives each host its own Redis user; when not, the sentence saying why."""

    managed: bool
    problem: str = ""


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)


def _user_field(reply, name: str) -> list[str]:
    """One field of an `ACL GETUSER` answer (RESP3: a map; RESP2: a flat list of names and values)."""
    if isinstance(reply, dict):
        found = reply.get(name) or reply.get(name.encode()) or []
    else:
        pairs = dict(zip(reply[::2], reply[1::2], strict=False)) if reply else {}
        found = pairs.get(name.encode()) or pairs.get(name) or []
    return [f.decode() if isinstance(f, bytes) else str(f) for f in found]


def _flags(reply) -> set[str]:
    return set(_user_field(reply, "flags"))


def _check() -> BrokerManagement:
    if settings.BERTH_BROKER_USERS == "off":
        return BrokerManagement(
            False, "BERTH_BROKER_USERS=off: host workers share the broker URL BERTH_HOST_REDIS_URL."
        )
    client = _redis()
    try:
        me = client.execute_command("ACL", "WHOAMI")
        me = me.decode() if isinstance(me, bytes) else str(me)
        allowed = client.execute_command("ACL", "DRYRUN", me, "ACL", "SETUSER", host_broker_user("probe"))
        if allowed not in (b"OK", "OK", True):
            return BrokerManagement(
                False,
                f"Berth's Redis user '{me}' may not manage users (ACL SETUSER), so host workers share "
                "its broker URL: give it the ACL permission, or run Redis with `make run`.",
            )
        flags = _flags(client.execute_command("ACL", "GETUSER", "default"))
    except redis.ResponseError as exc:
        return BrokerManagement(
            False, f"This Redis cannot manage users ({exc}); host workers share the broker URL. Redis 7 is needed."
        )
    except redis.RedisError as exc:
        return BrokerManagement(False, f"Redis does not answer ({exc}); per-host users could not be checked.")
    if "on" in flags and "nopass" in flags:
        return BrokerManagement(
            False,
            "Redis's default user needs no password, so any host worker could use it instead of its own: "
            "Berth makes no per-host users. Give the default user a password or turn it off "
            "(`make run` does), then rotate each host's credentials.",
        )
    return BrokerManagement(True)


_last: tuple[float, BrokerManagement] | None = None


def broker_management() -> BrokerManagement:
    """Whether Berth manages per-host users now (asked of Redis at most once a minute)."""
    global _last
    now = time.monotonic()
    if _last is None or now - _last[0] > CHECK_EVERY:
        answer = _check()
        if answer.problem and (_last is None or _last[1] != answer):
            log.warning("Per-host broker users: %s", answer.problem)
        _last = (now, answer)
    return _last[1]


def set_host_user(slug: str, password: str) -> str:
    """Make (or remake) the host's user with only this password, and close every connection the
    user had: credentials handed out before stop working at once. Its name."""
    user = host_broker_user(slug)
    rules = host_acl_rules(slug, hashlib.sha256(password.encode()).hexdigest())
    try:
        _redis().execute_command("ACL", "SETUSER", user, *rules)
        _redis().execute_command("CLIENT", "KILL", "USER", user)
    except redis.RedisError as exc:
        raise BrokerUnavailable(f"Berth could not set host {slug}'s broker user ({exc}); nothing changed.") from exc
    _save_users()
    return user


def refresh_host_users(slugs: list[str]) -> int:
    """Give each host's existing user today's rules, keeping its password (Redis keeps its hash):
    rules narrowed by an upgrade hold at once, with no rotation and no connection closed. How many
    users were refreshed; a host without a user of its own is left alone."""
    if not broker_management().managed:
        return 0
    refreshed = 0
    for slug in slugs:
        user = host_broker_user(slug)
        try:
            reply = _redis().execute_command("ACL", "GETUSER", user)
            hashes = _user_field(reply, "passwords") if reply else []
            if len(hashes) != 1:
                continue
            _redis().execute_command("ACL", "SETUSER", user, *host_acl_rules(slug, hashes[0]))
            refreshed += 1
        except redis.RedisError as exc:
            log.warning("Could not refresh host %s's broker user: %s", slug, exc)
    if refreshed:
        _save_users()
    return refreshed


def _save_users() -> None:
    """Keep the users in Redis's ACL file, when it has one (`make run`'s: stack/redis_service.py),
    so they outlive a restart of Redis."""
    try:
        _redis().execute_command("ACL", "SAVE")
    except redis.ResponseError as exc:
        if "not configured to use an acl file" not in str(exc).lower():
            log.warning("Could not save the broker's users to its ACL file: %s", exc)
    except redis.RedisError as exc:
        log.warning("Could not save the broker's users to its ACL file: %s", exc)


def drop_host_user(user: str) -> None:
    """Delete the user; Redis closes its connections with it."""
    try:
        _redis().execute_command("ACL", "DELUSER", user)
    except redis.RedisError as exc:
        log.warning("Could not delete broker user '%s': %s", user, exc)
        return
    _save_users()


def purge_host_keys(slug: str) -> None:
    """What a removed host leaves on the broker: its queue (tasks never to run, sealed secrets
    in them), kombu's copies of its messages in flight, its binding and stream requests."""
    queue = host_queue(slug)
    keys = [
        *queue_lists(queue),
        f"_kombu.binding.{queue}",
        f"_kombu.binding_permanent.{queue}",
    ]
    keys += [*host_kombu_keys(slug).values(), LAYER_PREFIX + host_stream_channel(slug)]
    try:
        _redis().delete(*keys)
    except redis.RedisError as exc:
        log.warning("Could not purge host '%s''s queue: %s", slug, exc)
