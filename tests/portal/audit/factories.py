"""Audit events for tests, at chosen moments, and users holding the roles the audit trail cares about."""

from __future__ import annotations

from datetime import datetime
from unittest import mock

from portal.audit.models import AuditEvent
from tests.portal.factories import make_binding, make_team, make_user


def make_event(action: str = "host.change", *, host=None, user=None, at: datetime | None = None, **fields):
    """One event as `record` would write it; `at` fixes its time (created_at is set on save)."""
    fields.setdefault("username", user.get_username() if user is not None else "")
    fields.setdefault("host_name", host.name if host is not None else "")
    if at is None:
        return AuditEvent.objects.create(action=action, host=host, user=user, **fields)
    with mock.patch("django.utils.timezone.now", return_value=at):
        return AuditEvent.objects.create(action=action, host=host, user=user, **fields)


def make_user_with(role: str | None, *hosts, all_hosts: bool = False, username: str | None = None):
    """A user whose one team holds `role` on `hosts`, or on all hosts; None is no role at all."""
    user = make_user(username)
    if role is not None:
        make_binding(make_team(user), role, *hosts, all_hosts=all_hosts)
    return user
