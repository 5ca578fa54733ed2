"""Changing teams, their members and their role bindings — the one place the API and the pages
go through. Each change is one transaction and one audit event; a change that would take away
the caller's own right to manage teams is refused inside that transaction (an admin who is not
a superuser cannot lock themselves out by accident)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager

from django.db import IntegrityError, transaction

from portal.access.policy import AccessScope, can
from portal.audit.record import record
from portal.hosts.models import Host
from portal.refusals import Conflict, Forbidden
from portal.teams.models import RoleBinding, Team, TeamMembership

__all__ = [
    "ChangeRefused",
    "NotAllowed",
    "add_binding",
    "add_member",
    "change_binding",
    "change_team",
    "create_team",
    "delete_team",
    "remove_binding",
    "remove_member",
]


class ChangeRefused(Conflict):
    """A change Berth will not make; the message says why and what to do instead (a 409)."""


class NotAllowed(ChangeRefused):
    """A change this user may not make, though they may make others like it (a 403)."""

    status = Forbidden.status
    code = Forbidden.code


LOCKOUT = "This would take away your own right to manage teams; ask another admin to make this change."


def _actor(request):
    return getattr(request, "user", None)


@contextmanager
def _keeping_own_right_to_manage(request):
    """Runs the change in a transaction, undone if the caller could no longer manage teams."""
    with transaction.atomic():
        yield
        user = _actor(request)
        if user is not None and not user.is_superuser and not can(AccessScope.for_user(user), "team.manage"):
            raise ChangeRefused(LOCKOUT)


def _team_taken(name: str) -> ChangeRefused:
    return ChangeRefused(f"A team named '{name}' already exists.")


def create_team(request, *, name: str, description: str = "") -> Team:
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, description=description)
            record("team.create", request=request, target=team, detail={"name": name})
    except IntegrityError:  # the same name taken at the same moment by someone else
        raise _team_taken(name) from None
    return team


def change_team(request, team: Team, **fields) -> Team:
    changed = {field: value for field, value in fields.items() if getattr(team, field) != value}
    if not changed:
        return team
    before = {field: getattr(team, field) for field in changed}
    try:
        with transaction.atomic():
            for field, value in changed.items():
                setattr(team, field, value)
            team.save(update_fields=[*changed, "updated_at"])
            record("team.change", request=request, target=team, detail={**changed, "was": before})
    except IntegrityError:  # the name taken at the same moment by someone else
        for field, value in before.items():
            setattr(team, field, value)
        raise _team_taken(changed["name"]) from None
    return team


def delete_team(request, team: Team) -> None:
    with _keeping_own_right_to_manage(request):
        members = list(team.members.order_by("username").values_list("username", flat=True))
        record("team.delete", request=request, target=team, detail={"name": team.name, "members": members})
        team.delete()


def add_member(request, team: Team, user) -> TeamMembership:
    already = ChangeRefused(f"{user.get_username()} is already a member of {team.name}.")
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise already
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(team=team, user=user)
            record("team.member.add", request=request, target=team, detail={"member": user.get_username()})
    except IntegrityError:
        raise already from None
    return membership


def remove_member(request, membership: TeamMembership) -> None:
    with _keeping_own_right_to_manage(request):
        username = membership.user.get_username()
        record("team.member.remove", request=request, target=membership.team, detail={"member": username})
        membership.delete()


def _binding_detail(binding: RoleBinding, hosts: Iterable[Host]) -> dict:
    return {
        "team": binding.team.name,
        "role": binding.role,
        "all_hosts": binding.all_hosts,
        "hosts": sorted(host.name for host in hosts),
    }


def add_binding(request, team: Team, *, role: str, all_hosts: bool, hosts: Iterable[Host]) -> RoleBinding:
    hosts = list(hosts)
    with transaction.atomic():
        binding = RoleBinding.objects.create(team=team, role=role, all_hosts=all_hosts)
        if hosts:
            binding.hosts.set(hosts)
        record("team.binding.add", request=request, target=binding, detail=_binding_detail(binding, hosts))
    return binding


def change_binding(
    request, binding: RoleBinding, *, role: str | None = None, all_hosts: bool | None = None, hosts=None
) -> RoleBinding:
    with _keeping_own_right_to_manage(request):
        before = _binding_detail(binding, binding.hosts.all())
        if role is not None:
            binding.role = role
        if all_hosts is not None:
            binding.all_hosts = all_hosts
        binding.save(update_fields=["role", "all_hosts", "updated_at"])
        if hosts is not None:
            binding.hosts.set(list(hosts))
        after = _binding_detail(binding, binding.hosts.all())
        record("team.binding.change", request=request, target=binding, detail={**after, "was": before})
    return binding


def remove_binding(request, binding: RoleBinding) -> None:
    with _keeping_own_right_to_manage(request):
        record(
            "team.binding.remove", request=request, target=binding, detail=_binding_detail(binding, binding.hosts.all())
        )
        binding.delete()
