"""A container's status in words, as `docker ps` writes it ("Up 3 minutes", "Exited (1) 2 hours ago").

Computed when read, from the state and times the engine reported, so it never goes stale in
the database the way the engine's own "Status" text would.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

__all__ = ["container_status", "human_duration"]


def human_duration(delta: timedelta) -> str:
    """A duration the way Docker words it (go-units HumanDuration)."""
    seconds = int(delta.total_seconds())
    if seconds < 1:
        return "Less than a second"
    if seconds == 1:
        return "1 second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(delta.total_seconds() / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(delta.total_seconds() / 3600) // 24 // 365} years"


def _since(moment: datetime | None, now: datetime) -> str:
    # A host's clock ahead of the portal's would give a negative age: call it just now.
    return human_duration(max(now - moment, timedelta(0))) if moment else ""


def container_status(
    state: str,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    exit_code: int | None = None,
    health: str = "",
    removed_at: datetime | None = None,
    now: datetime | None = None,
) -> str:
    now = now or timezone.now()
    if removed_at is not None:
        return f"Removed {_since(removed_at, now)} ago"
    up = f"Up {_since(started_at, now)}" if started_at else "Up"
    if state == "running":
        if health:
            return f"{up} ({'health: starting' if health == 'starting' else health})"
        return up
    if state == "paused":
        return f"{up} (Paused)"
    if state == "restarting":
        code = f" ({exit_code})" if exit_code is not None else ""
        return f"Restarting{code} {_since(finished_at, now)} ago" if finished_at else f"Restarting{code}"
    if state == "removing":
        return "Removal In Progress"
    if state == "dead":
        return "Dead"
    if state == "created" or (state == "exited" and started_at is None and finished_at is None):
        return "Created"
    if state == "exited":
        code = f" ({exit_code})" if exit_code is not None else ""
        return f"Exited{code} {_since(finished_at, now)} ago" if finished_at else f"Exited{code}"
    return state.capitalize() or "Unknown"
