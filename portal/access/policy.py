"""The one policy: "may this user do this action on this host/object" and "which rows may they see".

A user's scope is computed once (per request or websocket connection) and then answers
every question without further queries. Team role bindings plug in here; until they
exist, Django superusers are admin on every host and other users see nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet

__all__ = ["ACTIONS", "AccessScope", "Role", "can", "restrict", "scope_for"]


class Role(IntEnum):
    """Roles in increasing power; each role may do everything the ones below it may."""

    VIEWER = 1
    OPERATOR = 2
    DEVELOPER = 3
    ADMIN = 4


# action -> (least role needed, whether it needs that role on all hosts rather than one).
# A least role of None means any logged-in user (for what is their own, like their tokens).
ACTIONS: dict[str, tuple[Role | None, bool]] = {
    "host.view": (Role.VIEWER, False),
    "host.add": (Role.ADMIN, True),
    "host.change": (Role.ADMIN, False),
    "host.delete": (Role.ADMIN, False),
    "container.view": (Role.VIEWER, False),
    "image.view": (Role.VIEWER, False),
    # Terminal (exec) and attach.
    "container.exec": (Role.OPERATOR, False),
    # start, stop, restart, kill, pause, unpause.
    "container.operate": (Role.OPERATOR, False),
    # run (create), rename, commit, remove.
    "container.manage": (Role.DEVELOPER, False),
    # pull, build, tag, push, remove, prune, import, export.
    "image.manage": (Role.DEVELOPER, False),
    "operation.view": (Role.VIEWER, False),
    # Other people's terminal sessions and their recordings (one's own are always visible).
    "session.view": (Role.ADMIN, False),
    # One's own terminal sessions and recordings (which rows: TerminalSession.objects.visible_to).
    "session.own": (None, False),
    # Teams, members, bindings and users span hosts: only admins of every host manage them.
    "team.manage": (Role.ADMIN, True),
    "user.manage": (Role.ADMIN, True),
    # An admin of some hosts reads the audit trail of those hosts; events tied to no host
    # (logins, teams) only admins of every host read.
    "audit.view": (Role.ADMIN, False),
    "token.own": (None, False),
}


def _needs(action: str) -> tuple[Role | None, bool]:
    try:
        return ACTIONS[action]
    except KeyError:
        raise ImproperlyConfigured(f"The policy has no entry for action {action!r}.") from None


@dataclass(frozen=True)
class AccessScope:
    """A user's roles: one on all hosts, and one per host where a binding names it."""

    user_id: int | None
    all_hosts_role: Role | None = None
    host_roles: dict[int, Role] = field(default_factory=dict)

    @classmethod
    def for_user(cls, user) -> AccessScope:
        """The user's roles, from every binding of every team they are in: two queries."""
        if user is None or not user.is_authenticated or not user.is_active:
            return cls(user_id=None)
        if user.is_superuser:
            return cls(user_id=user.pk, all_hosts_role=Role.ADMIN)
        from portal.teams.models import RoleBinding

        mine = RoleBinding.objects.filter(team__memberships__user=user)
        all_hosts = [Role[name.upper()] for name in mine.filter(all_hosts=True).values_list("role", flat=True)]
        host_roles: dict[int, Role] = {}
        chosen = RoleBinding.hosts.through.objects.filter(
            rolebinding__team__memberships__user=user, rolebinding__all_hosts=False
        ).values_list("host_id", "rolebinding__role")
        for host_id, name in chosen:
            host_roles[host_id] = max(host_roles.get(host_id, Role.VIEWER), Role[name.upper()])
        return cls(user_id=user.pk, all_hosts_role=max(all_hosts, default=None), host_roles=host_roles)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def role_on(self, host_id: int | None) -> Role | None:
        roles = [r for r in (self.all_hosts_role, self.host_roles.get(host_id)) if r is not None]
        return max(roles) if roles else None

    def allows(self, action: str, host_id: int | None = None) -> bool:
        least, all_hosts = _needs(action)
        if least is None:
            return self.authenticated
        if all_hosts or host_id is None:
            return self.all_hosts_role is not None and self.all_hosts_role >= least
        role = self.role_on(host_id)
        return role is not None and role >= least

    def allows_anywhere(self, action: str) -> bool:
        """Whether the action is allowed on at least one host (to show a menu entry, say)."""
        least, all_hosts = _needs(action)
        if self.allows(action):
            return True
        return not all_hosts and least is not None and any(r >= least for r in self.host_roles.values())

    def host_filter(self, action: str, host_field: str) -> Q:
        """A filter on `host_field` (a host id path such as "pk" or "host") that keeps allowed rows."""
        least, _ = _needs(action)
        if least is None and self.authenticated:
            return Q()
        if least is None:
            return Q(pk__in=[])
        if self.all_hosts_role is not None and self.all_hosts_role >= least:
            return Q()
        ids = sorted(h for h, role in self.host_roles.items() if role >= least)
        return Q(**{f"{host_field}__in": ids})


def scope_for(user_or_request) -> AccessScope:
    """The scope of a user, cached on the request (or user object) so it is computed once.
    A consumer that computed its scope at connect passes the scope itself."""
    if isinstance(user_or_request, AccessScope):
        return user_or_request
    holder = user_or_request
    user = getattr(user_or_request, "user", user_or_request)
    cached = getattr(holder, "_berth_access_scope", None)
    if cached is None or cached.user_id != getattr(user, "pk", None):
        cached = AccessScope.for_user(user)
        holder._berth_access_scope = cached
    return cached


def host_id_of(obj) -> int | None:
    """The host an object lives on (a Host is its own host)."""
    from portal.hosts.models import Host

    if isinstance(obj, Host):
        return obj.pk
    return getattr(obj, "host_id", None)


def can(user_or_request, action: str, obj=None) -> bool:
    return scope_for(user_or_request).allows(action, host_id_of(obj) if obj is not None else None)


def restrict(queryset: QuerySet, user_or_request, action: str) -> QuerySet:
    host_field = getattr(queryset.model, "policy_host_field", "host")
    return queryset.filter(scope_for(user_or_request).host_filter(action, host_field))
