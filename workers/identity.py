"""Who this host worker is, and its claim on the host name so two workers never share one."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field

import redis

from wire.names import claim_key

__all__ = ["HostIdentity", "NameClaim", "NameTaken"]

log = logging.getLogger(__name__)

# Refresh only while the claim is still ours; take it back if it lapsed and nobody else holds it.
_REFRESH = """
local current = redis.call('GET', KEYS[1])
if current == false then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
local holder = cjson.decode(current)
if holder['instance'] == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""

_RELEASE = """
local current = redis.call('GET', KEYS[1])
if current ~= false and cjson.decode(current)['instance'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class HostIdentity:
    """One running host worker: the host name it serves and this process's instance id."""

    name: str
    slug: str
    machine: str = field(default_factory=socket.gethostname)
    instance: str = field(default_factory=lambda: uuid.uuid4().hex)
    pid: int = field(default_factory=os.getpid)


class NameTaken(Exception):
    """Another running worker already serves this host name."""

    def __init__(self, slug: str, holder: dict):
        self.slug = slug
        self.holder = holder
        engine = holder.get("engine_id") or "unknown"
        super().__init__(
            f"Host name '{slug}' is already served by a running host worker on machine "
            f"'{holder.get('machine', '?')}' (pid {holder.get('pid', '?')}, engine {engine}). "
            "Give this worker another --name, or stop the other worker first."
        )


class NameClaim:
    """A short-lived Redis key that says which worker serves a host name.

    The holder refreshes it with every heartbeat; if the holder dies the key lapses after
    `ttl` seconds and the name is free again. A second worker asking for a name that is
    held and refreshed is refused, so the first host keeps its identity.
    """

    def __init__(self, client: redis.Redis, identity: HostIdentity, ttl: float = 6.0):
        self.client = client
        self.identity = identity
        self.ttl = max(1, round(ttl))
        self.key = claim_key(identity.slug)
        self._refresh = client.register_script(_REFRESH)
        self._release = client.register_script(_RELEASE)

    def _value(self, engine_id: str | None) -> str:
        return json.dumps(
            {
                "instance": self.identity.instance,
                "machine": self.identity.machine,
                "pid": self.identity.pid,
                "engine_id": engine_id or "",
            }
        )

    def holder(self) -> dict | None:
        raw = self.client.get(self.key)
        return json.loads(raw) if raw else None

    def acquire(self, engine_id: str | None, patience: float | None = None) -> None:
        """Take the name, or raise NameTaken.

        When the holder serves the same engine it may be this worker's own predecessor,
        killed without a goodbye: wait up to one claim lifetime for its claim to lapse.
        """
        deadline = time.monotonic() + (self.ttl + 1 if patience is None else patience)
        while True:
            if self.client.set(self.key, self._value(engine_id), nx=True, ex=self.ttl):
                return
            holder = self.holder()
            if holder is None:
                continue
            same_engine = bool(engine_id) and holder.get("engine_id") == engine_id
            if not same_engine or time.monotonic() >= deadline:
                raise NameTaken(self.identity.slug, holder)
            log.info("Waiting for the previous worker's claim on '%s' to lapse", self.identity.slug)
            time.sleep(0.5)

    def refresh(self, engine_id: str | None) -> bool:
        """Extend the claim; False means another worker holds the name now."""
        return bool(self._refresh(keys=[self.key], args=[self.identity.instance, self._value(engine_id), self.ttl]))

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.identity.instance])
