"""Principals that are no logged-in person: a git stack's webhook and its poll.

Each acts for the person who set the git source up (its owner), on that stack's host alone, with
the role that person holds there now: a webhook may do no more than its owner still may, and
nothing once they have lost the role or left. It is asked through the same `can` as anyone,
because a Principal stands where a request does (`user`, `META`, its scope cached the way
scope_for caches a request's), so operations and the audit trail record it like any request."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser

from portal.access.policy import AccessScope

__all__ = ["Principal", "acting_for"]


@dataclass
class Principal:
    """Who acts (`name`: "webhook", "poll"), for whom (`owner`), from where (`META`)."""

    name: str
    owner_name: str
    _berth_access_scope: AccessScope
    META: dict = field(default_factory=dict)
    user: AnonymousUser = field(default_factory=AnonymousUser)

    @property
    def principal_name(self) -> str:
        """What operations and the audit trail show as who did it."""
        return f"{self.name} (for {self.owner_name or 'nobody'})"[:150]


def acting_for(owner, host_id: int, name: str, source_ip: str | None = None) -> Principal:
    """The principal `name` acting for `owner` (a user, or None when they were deleted) on the
    host `host_id` only, with `owner`'s current role there."""
    role = AccessScope.for_user(owner).role_on(host_id) if owner is not None else None
    scope = AccessScope(user_id=None, host_roles={host_id: role} if role is not None else {})
    owner_name = owner.get_username() if owner is not None else ""
    return Principal(name, owner_name, scope, META={"REMOTE_ADDR": source_ip} if source_ip else {})
