"""What a rule may see: the hosts its team holds a role on (any role), narrowed to the rule's own
hosts unless it covers all of them. A rule never fires for a host outside its team's scope, even
when its hosts were chosen before the team lost the binding."""

from __future__ import annotations

from portal.teams.models import RoleBinding

__all__ = ["TeamScopes", "team_host_ids"]


def team_host_ids(team_id: int) -> set[int] | None:
    """The hosts the team's bindings name (any role); None for all hosts."""
    bindings = RoleBinding.objects.filter(team_id=team_id)
    if bindings.filter(all_hosts=True).exists():
        return None
    return set(RoleBinding.hosts.through.objects.filter(rolebinding__team_id=team_id).values_list("host_id", flat=True))


class TeamScopes:
    """Each team's hosts, asked of the database once per team for one event."""

    def __init__(self):
        self._hosts: dict[int, set[int] | None] = {}

    def covers(self, rule, host_id: int) -> bool:
        if rule.team_id not in self._hosts:
            self._hosts[rule.team_id] = team_host_ids(rule.team_id)
        team = self._hosts[rule.team_id]
        if team is not None and host_id not in team:
            return False
        return rule.all_hosts or any(h.pk == host_id for h in rule.hosts.all())
