"""The policy's cost is fixed: two queries for a user's scope, and none more for a restricted list,
however many teams, bindings and hosts there are."""

import pytest

from portal.access.policy import AccessScope, Role
from portal.teams.choices import RoleName
from tests.portal.factories import make_binding, make_container, make_host, make_superuser, make_team, make_user

pytestmark = pytest.mark.django_db

ROLES = list(RoleName)


def user_with_bindings(teams: int, bindings_per_team: int, hosts: list, hosts_per_binding: int = 3):
    """A user in `teams` teams, each with `bindings_per_team` bindings on a few of `hosts`, roles mixed."""
    user = make_user()
    for t in range(teams):
        team = make_team(user)
        for b in range(bindings_per_team):
            k = t * bindings_per_team + b
            chosen = [hosts[(k + j) % len(hosts)] for j in range(hosts_per_binding)]
            make_binding(team, ROLES[k % len(ROLES)], *chosen)
    return user


@pytest.mark.parametrize(
    ("teams", "bindings_per_team", "host_count"),
    [(1, 1, 1), (5, 4, 50), (10, 10, 120)],
    ids=["1 team 1 binding 1 host", "5 teams 20 bindings 50 hosts", "10 teams 100 bindings 120 hosts"],
)
def test_a_users_scope_takes_two_queries_however_many_teams_bindings_and_hosts(
    django_assert_num_queries, teams, bindings_per_team, host_count
):
    hosts = [make_host() for _ in range(host_count)]
    user = user_with_bindings(teams, bindings_per_team, hosts)
    make_binding(make_team(user), RoleName.VIEWER, all_hosts=True)

    with django_assert_num_queries(2):  # all-hosts bindings; bindings on chosen hosts
        scope = AccessScope.for_user(user)

    assert scope.all_hosts_role is Role.VIEWER
    assert scope.host_roles, "the chosen hosts are in the scope too"


def test_the_highest_role_on_a_host_wins_across_teams():
    web = make_host("web-1")
    user = make_user()
    make_binding(make_team(user), RoleName.VIEWER, web)
    make_binding(make_team(user), RoleName.DEVELOPER, web)
    make_binding(make_team(user), RoleName.OPERATOR, web)

    assert AccessScope.for_user(user).role_on(web.pk) is Role.DEVELOPER


def test_a_superusers_scope_takes_no_query(django_assert_num_queries):
    user = make_superuser()

    with django_assert_num_queries(0):
        AccessScope.for_user(user)


def containers_on(hosts, per_host: int = 2) -> None:
    for host in hosts:
        for _ in range(per_host):
            make_container(host)


@pytest.mark.parametrize(
    ("teams", "bindings_per_team"), [(1, 1), (5, 4), (10, 10)], ids=["1 binding", "20 bindings", "100 bindings"]
)
def test_the_restricted_container_list_takes_the_same_queries_however_many_bindings(
    api, django_assert_num_queries, teams, bindings_per_team
):
    hosts = [make_host() for _ in range(12)]
    containers_on(hosts)
    user = user_with_bindings(teams, bindings_per_team, hosts[:6])
    api.force_authenticate(user)

    with django_assert_num_queries(4):  # the scope's two, count, page (with hosts)
        response = api.get("/api/v1/containers/", {"state": "running"})

    assert response.status_code == 200
    assert {row["host"] for row in response.data["results"]} <= {h.pk for h in hosts[:6]}


def test_a_restricted_list_costs_the_scopes_two_queries_more_than_a_superusers(api, django_assert_num_queries):
    hosts = [make_host() for _ in range(4)]
    containers_on(hosts)
    api.force_authenticate(make_superuser())
    with django_assert_num_queries(2):  # count, page (with hosts)
        assert api.get("/api/v1/containers/").data["count"] == 8

    api.force_authenticate(user_with_bindings(5, 4, hosts[:2], hosts_per_binding=1))
    with django_assert_num_queries(4):
        assert api.get("/api/v1/containers/").data["count"] == 4
