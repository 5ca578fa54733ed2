"""Objects a team owns rather than a host holds — registries.

The rules, which `can` (portal/access/policy.py) and `restrict` (portal/access/querysets.py)
apply to any model that names its `policy_team_field` (and maybe a `policy_public_field`):

- Admins of every host (and superusers) see, use and manage every such object.
- An action every logged-in user holds (viewing) needs only membership of the owning team; a
  public object (Docker Hub) is everyone's.
- An action that needs a role (using needs developer, managing admin on every host) needs it
  from the owning team's own bindings: a developer through another team, member of this one
  only to see its registry, may not use it. A public object needs the role through any team.
- An object with no team belongs to the admins alone.

Membership is asked of the database in the same query as the rows (a subquery), so a restricted
list costs one query however many teams there are; each team's roles are already in the scope
(AccessScope.team_scopes, computed with the user's roles).
"""

from __future__ import annotations

from django.db.models import Q

__all__ = ["team_owned_allows", "team_owned_filter"]


def _my_teams(scope):
    # Imported here, not at the top: the teams' models are restricted through
    # portal/access/querysets.py, which (through portal/access/policy.py) imports this module.
    from portal.teams.models import TeamMembership

    return TeamMembership.objects.filter(user_id=scope.user_id).values("team_id")


def team_owned_filter(scope, action: str, model) -> Q:
    if not scope.authenticated or not scope.allows_anywhere(action):
        return Q(pk__in=[])
    if scope.admin_everywhere:
        return Q()
    team = model.policy_team_field
    if scope.needs_a_role(action):
        mine = Q(**{f"{team}__in": sorted(scope.teams_allowing(action))})
    else:
        mine = Q(**{f"{team}__in": _my_teams(scope)})
    public = getattr(model, "policy_public_field", "")
    return mine | Q(**{public: True}) if public else mine


def team_owned_allows(scope, action: str, obj) -> bool:
    if not scope.authenticated or not scope.allows_anywhere(action):
        return False
    if scope.admin_everywhere:
        return True
    public = getattr(obj, "policy_public_field", "")
    if public and getattr(obj, public):
        return True
    team_id = getattr(obj, f"{obj.policy_team_field}_id")
    if team_id is None:
        return False
    if scope.needs_a_role(action):
        return team_id in scope.teams_allowing(action)
    return _my_teams(scope).filter(team_id=team_id).exists()
