"""Stacks' events for open pages (`/ws/events/`): one per stack that appeared or went. A stack's
services change with its containers, whose own events the pages hear already."""

from __future__ import annotations

from portal.events.publish import publish

__all__ = ["publish_stacks"]


def publish_stacks(host_id: int, created: list[int], removed: list[int]) -> None:
    for pk in created:
        publish(host_id, {"type": "stack.created", "stack": {"id": pk, "host": host_id}}, action="stack.view")
    for pk in removed:
        publish(host_id, {"type": "stack.removed", "stack": {"id": pk, "host": host_id}}, action="stack.view")
