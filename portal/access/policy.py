"""The one policy, and its one question for single things: `can(user_or_request, action, obj)`.

Rows are asked through the other door, `Model.objects.restrict(user_or_request, action)`
(portal/access/querysets.py). Both read what a model declares about who holds its rows:

- `policy_host_field`: the path to the host id a row lives on ("host"; "pk" for a Host itself),
  or None for rows that belong to no host (teams, users): those need the action on all hosts.
- `policy_owner_field`: the path to the user who owns a row ("user"); one's own rows are always
  one's own, and an action any logged-in user holds (least role None) reaches only those.
- `policy_team_field` (and `policy_public_field`): rows a team owns (portal/access/team_owned.py).
- `policy_guest_field` and `policy_guest_actions`: the path to users the owner let in (a session's
  invites, "invites__user"), and the actions they may do on that row besides what their role allows.

An object that declares `dangers` (a Container whose configuration amounts to root on the host,
portal/access/dangerous.py) needs, for the actions of INSIDE_ACTIONS, also what those options
need: `container.privileged` on its host.

A user's scope (their roles, from their teams' bindings) is computed once per request or
websocket connection and then answers every question without further queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import IntEnum

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from portal.access.team_owned import team_owned_allows

__all__ = ["ACTIONS", "ANYWHERE", "AccessScope", "Role", "can", "host_id_of", "role_on"]


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
    # New keys and broker credentials for a host (portal/hosts/enrollment.py).
    "host.rotate": (Role.ADMIN, False),
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
    # Environment values, build args and registry credentials (portal/access/secrets.py).
    "secret.view": (Role.DEVELOPER, False),
    # Options that amount to root on the host (portal/access/dangerous.py).
    "container.privileged": (Role.ADMIN, False),
    # Other people's terminal sessions and their recordings (one's own are always visible:
    # TerminalSession declares its owner).
    "session.view": (Role.ADMIN, False),
    # Teams, members, bindings and users span hosts: only admins of every host manage them.
    "team.manage": (Role.ADMIN, True),
    "user.manage": (Role.ADMIN, True),
    # An admin of some hosts reads the audit trail of those hosts; events tied to no host
    # (logins, teams) only admins of every host read.
    "audit.view": (Role.ADMIN, False),
    "token.own": (None, False),
    # Registries belong to teams, not hosts: see portal/access/team_owned.py for who sees which.
    # Anyone logged in sees Docker Hub and their teams' registries (browse, search, test).
    "registry.view": (None, False),
    # Their credentials go into a pull or push: a developer somewhere through the owning team's
    # own bindings (a developer through another team may not use it).
    "registry.use": (Role.DEVELOPER, False),
    # Add, edit, remove: admins of every host.
    "registry.manage": (Role.ADMIN, True),
    "network.view": (Role.VIEWER, False),
    "volume.view": (Role.VIEWER, False),
    # Network create, remove, prune, connect, disconnect (the host network needs container.privileged).
    "network.manage": (Role.DEVELOPER, False),
    # Volume create, remove, prune (one that binds a host path needs container.privileged).
    "volume.manage": (Role.DEVELOPER, False),
    # Stacks (compose projects): see them, their files (env values need secret.view) and logs.
    "stack.view": (Role.VIEWER, False),
    # Start, stop, restart a stack's services.
    "stack.operate": (Role.OPERATOR, False),
    # Write, plan, deploy, redeploy, pull, roll back, take down.
    "stack.deploy": (Role.DEVELOPER, False),
    # Take over a project started outside Berth (its files are read on the host).
    "stack.adopt": (Role.ADMIN, False),
    # Watch a live terminal session read-only: admins of its host, and those its owner invited
    # (TerminalSession declares them its guests).
    "session.watch": (Role.ADMIN, False),
    # End someone's live terminal session.
    "session.end": (Role.ADMIN, False),
    # Invite someone to watch one's own session.
    "session.invite": (None, False),
    # Alerts (portal/alerts): seen by viewers of their host; acknowledged and muted by operators.
    "alert.view": (Role.VIEWER, False),
    "alert.acknowledge": (Role.OPERATOR, False),
    # Alert rules and channels belong to teams (portal/access/team_owned.py): seen through a role
    # from the owning team's own bindings, written by its admins (team admins) or admins of all hosts.
    "alertrule.view": (Role.VIEWER, False),
    "alertrule.manage": (Role.ADMIN, False),
}


# Actions that put the user inside a container (a shell, its console): on a dangerous one they are
# as much as root on the host.
INSIDE_ACTIONS = {"container.exec"}
DANGER_ACTION = "container.privileged"


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
    # The same, through each team's own bindings alone (team id -> its scope): what a team owns
    # is used through that team's roles (portal/access/team_owned.py).
    team_scopes: dict[int, AccessScope] = field(default_factory=dict)

    @classmethod
    def for_user(cls, user) -> AccessScope:
        """The user's roles, from every binding of every team they are in: two queries."""
        if user is None or not user.is_authenticated or not user.is_active:
            return cls(user_id=None)
        if user.is_superuser:
            return cls(user_id=user.pk, all_hosts_role=Role.ADMIN)
        # Imported here, not at the top: the teams' models are themselves restricted through
        # portal/access/querysets.py, which imports this module.
        from portal.teams.models import RoleBinding

        mine = RoleBinding.objects.filter(team__memberships__user=user)
        everywhere: dict[int, list[Role]] = defaultdict(list)  # team -> its all-hosts roles
        for team, name in mine.filter(all_hosts=True).values_list("team_id", "role"):
            everywhere[team].append(Role[name.upper()])
        somewhere: dict[int, list[tuple[int, Role]]] = defaultdict(list)  # team -> (host, role)
        chosen = RoleBinding.hosts.through.objects.filter(
            rolebinding__team__memberships__user=user, rolebinding__all_hosts=False
        ).values_list("rolebinding__team_id", "host_id", "rolebinding__role")
        for team, host_id, name in chosen:
            somewhere[team].append((host_id, Role[name.upper()]))
        teams = everywhere.keys() | somewhere.keys()
        team_scopes = {team: cls._of(user.pk, everywhere[team], somewhere[team]) for team in teams}
        every_role = [role for roles in everywhere.values() for role in roles]
        whole = cls._of(user.pk, every_role, [pair for pairs in somewhere.values() for pair in pairs])
        return cls(whole.user_id, whole.all_hosts_role, whole.host_roles, team_scopes)

    @classmethod
    def _of(cls, user_id: int, everywhere: list[Role], somewhere: list[tuple[int, Role]]) -> AccessScope:
        host_roles: dict[int, Role] = {}
        for host_id, role in somewhere:
            host_roles[host_id] = max(host_roles.get(host_id, Role.VIEWER), role)
        return cls(user_id=user_id, all_hosts_role=max(everywhere, default=None), host_roles=host_roles)

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def admin_everywhere(self) -> bool:
        return self.all_hosts_role is not None and self.all_hosts_role >= Role.ADMIN

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

    def needs_a_role(self, action: str) -> bool:
        """Whether the action needs a role at all (not one every logged-in user holds)."""
        return _needs(action)[0] is not None

    def teams_allowing(self, action: str) -> set[int]:
        """The teams whose own bindings alone allow this user `action` on at least one host."""
        return {team for team, scope in self.team_scopes.items() if scope.allows_anywhere(action)}

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


class _Anywhere:
    """`can(user, action, ANYWHERE)`: is there at least one host where they may (a menu entry,
    a collection action whose request names no host)."""

    def __repr__(self) -> str:
        return "ANYWHERE"


ANYWHERE = _Anywhere()


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
    """The host an object lives on, as its model declares it (a Host is its own host)."""
    field = getattr(obj, "policy_host_field", "host")
    if field is None:
        return None
    return obj.pk if field == "pk" else getattr(obj, f"{field}_id", None)


def is_guest(scope: AccessScope, obj) -> bool:
    """Whether the row's owner let this user in (one query)."""
    if not scope.authenticated:
        return False
    return type(obj).objects.filter(pk=obj.pk, **{obj.policy_guest_field: scope.user_id}).exists()


def is_own_action(action: str) -> bool:
    """An action every logged-in user holds: on what is theirs, and nothing else."""
    return _needs(action)[0] is None


def can(user_or_request, action: str, obj=None) -> bool:
    """May they `action` — on `obj` (a model instance), on the host with id `obj` (an int), on at
    least one host (`ANYWHERE`), or, with no `obj`, on all hosts.

    `user_or_request` is a user, a request (its scope is cached on it) or an AccessScope."""
    scope = scope_for(user_or_request)
    if obj is None or isinstance(obj, int):
        return scope.allows(action, obj)
    if obj is ANYWHERE:
        return scope.allows_anywhere(action)
    if getattr(obj, "policy_team_field", None):
        return team_owned_allows(scope, action, obj)
    owner = getattr(obj, "policy_owner_field", "")
    if owner:
        if not scope.authenticated:
            return False
        if getattr(obj, f"{owner}_id") == scope.user_id:
            return True
        if is_own_action(action):
            return False
    host_id = host_id_of(obj)
    if action in INSIDE_ACTIONS and getattr(obj, "dangers", None) and not scope.allows(DANGER_ACTION, host_id):
        return False
    if scope.allows(action, host_id):
        return True
    # Asked last: it costs a query.
    return action in getattr(obj, "policy_guest_actions", ()) and is_guest(scope, obj)


def role_on(user_or_request, host) -> Role | None:
    """The role they hold on `host` (a Host or its id), to show it; what it allows, ask `can`."""
    return scope_for(user_or_request).role_on(host if isinstance(host, int) or host is None else host.pk)
