"""Sending events through the channel layer to the pages that may see them (`/ws/events/`).

Generic: each app turns its own objects into an event (portal/hosts/events.py,
portal/containers/events.py, portal/images/events.py, portal/operations/events.py)."""

from __future__ import annotations

import json
import logging

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework.utils.encoders import JSONEncoder

__all__ = ["HOSTS_GROUP", "host_group", "listen", "plain", "publish", "send"]

log = logging.getLogger(__name__)

# Every events consumer listens here for hosts it does not know yet, and asks the policy.
HOSTS_GROUP = "events.hosts"


# Who else hears every event published (the alert rules, portal/alerts/apps.py): one path for all.
_listeners: list = []


def listen(listener) -> None:
    """Call `listener(host_id, event)` for every event published (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def host_group(host_id: int) -> str:
    return f"events.host.{host_id}"


def plain(data):
    """`data` in the plain types the channel layer carries (serializer output holds datetimes)."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


def send(group: str, message: dict) -> None:
    """Send `message` (plain types) to `group`."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except redis.RedisError as exc:  # Redis is away: its sockets closed, and pages re-read on reconnecting
        log.warning("Could not publish an event to %s: Redis failed (%s)", group, exc)
    except Exception:  # an open page misses one live update; the database is still right
        log.exception("Could not publish an event to %s", group)


def publish(host_id: int, event: dict, action: str = "host.view", *, new_host: bool = False) -> None:
    """Send `event` about host `host_id` to the open pages that may see it: consumers forward it
    to users the policy lets `action` on the host. A host new to the portal is in no consumer's
    group yet, so its event goes to every consumer, each of which asks the policy."""
    message = {"type": "berth.event", "host_id": host_id, "action": action, "event": plain(event)}
    send(HOSTS_GROUP if new_host else host_group(host_id), message)
    for listener in _listeners:
        try:
            listener(host_id, message["event"])
        except Exception:  # an open page still hears of it; the listener's own log says what failed
            log.exception("A listener failed on event %s of host %s", event.get("type"), host_id)
