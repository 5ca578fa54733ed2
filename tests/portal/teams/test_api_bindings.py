"""/api/v1/teams/{id}/bindings/: a team's role on all hosts or on a set of hosts, and what
its members then see."""

import pytest

from portal.audit.models import AuditEvent
from portal.teams.models import RoleBinding
from tests.portal.factories import make_binding, make_online_host, make_team, make_user
from tests.portal.teams.people import api_as, make_admin_of, make_admin_of_all_hosts

pytestmark = pytest.mark.django_db

HOSTS_URL = "/api/v1/hosts/"


def bindings_url(team) -> str:
    return f"/api/v1/teams/{team.pk}/bindings/"


def binding_url(binding) -> str:
    return f"{bindings_url(binding.team)}{binding.pk}/"


def host_names(client) -> list[str]:
    return [host["name"] for host in client.get(HOSTS_URL).json()["results"]]


# --- without permission ----------------------------------------------------------------------


def test_bindings_are_a_404_to_a_plain_user(web_1):
    binding = make_binding(make_team(name="ops"), "viewer", web_1)
    client = api_as(make_user())

    assert client.get(bindings_url(binding.team)).status_code == 404
    assert client.patch(binding_url(binding), {"role": "admin"}, format="json").status_code == 404
    assert client.delete(binding_url(binding)).status_code == 404
    binding.refresh_from_db()
    assert binding.role == "viewer"


def test_an_admin_of_some_hosts_cannot_grant_roles_even_on_those_hosts(web_1):
    team = make_team(name="ops")
    client = api_as(make_admin_of(web_1))

    response = client.post(bindings_url(team), {"role": "admin", "hosts": [web_1.pk]}, format="json")

    # Teams are beyond their reach altogether: the team does not exist for them.
    assert response.status_code == 404
    assert client.get(bindings_url(team)).status_code == 404
    assert not team.bindings.exists()


def test_an_admin_of_some_hosts_cannot_widen_their_own_teams_binding(web_1, web_2):
    ada = make_admin_of(web_1)
    [binding] = RoleBinding.objects.filter(team__members=ada)

    response = api_as(ada).patch(binding_url(binding), {"all_hosts": True}, format="json")

    assert response.status_code == 404
    binding.refresh_from_db()
    assert binding.all_hosts is False
    assert list(binding.hosts.all()) == [web_1]


# --- with permission -------------------------------------------------------------------------


def test_an_admin_grants_a_role_on_chosen_hosts(web_1, web_2):
    team = make_team(name="ops")
    client = api_as(make_admin_of_all_hosts())

    response = client.post(bindings_url(team), {"role": "operator", "hosts": [web_2.pk, web_1.pk]}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["role"], body["all_hosts"], sorted(body["hosts"])) == ("operator", False, sorted([web_1.pk, web_2.pk]))
    binding = RoleBinding.objects.get(pk=body["id"])
    assert set(binding.hosts.all()) == {web_1, web_2}


def test_an_admin_grants_a_role_on_all_hosts(as_admin):
    team = make_team(name="ops")

    response = as_admin.post(bindings_url(team), {"role": "viewer", "all_hosts": True}, format="json")

    assert response.status_code == 201
    assert (response.json()["all_hosts"], response.json()["hosts"]) == (True, [])


def test_an_admin_lists_a_teams_bindings(as_admin, web_1, web_2, django_assert_num_queries):
    team = make_team(name="ops")
    make_binding(team, "viewer", web_1, web_2)
    make_binding(team, "developer", all_hosts=True)

    with django_assert_num_queries(4):  # team + count + page + hosts
        response = as_admin.get(bindings_url(team))

    assert [(b["role"], b["all_hosts"], sorted(b["hosts"])) for b in response.json()["results"]] == [
        ("viewer", False, sorted([web_1.pk, web_2.pk])),
        ("developer", True, []),
    ]


def test_an_admin_changes_a_bindings_role_and_hosts(as_admin, web_1, web_2):
    binding = make_binding(make_team(name="ops"), "viewer", web_1)

    changed = as_admin.patch(binding_url(binding), {"role": "developer", "hosts": [web_2.pk]}, format="json")
    widened = as_admin.patch(binding_url(binding), {"all_hosts": True}, format="json")
    narrowed = as_admin.patch(binding_url(binding), {"hosts": [web_1.pk]}, format="json")

    assert (changed.status_code, changed.json()["role"], changed.json()["hosts"]) == (200, "developer", [web_2.pk])
    assert (widened.json()["all_hosts"], widened.json()["hosts"]) == (True, [])
    assert (narrowed.json()["all_hosts"], narrowed.json()["hosts"]) == (False, [web_1.pk])


def test_an_admin_removes_a_binding(as_admin, web_1):
    binding = make_binding(make_team(name="ops"), "viewer", web_1)

    assert as_admin.delete(binding_url(binding)).status_code == 204
    assert not RoleBinding.objects.exists()


def test_a_binding_of_another_team_is_a_404(as_admin, web_1):
    binding = make_binding(make_team(name="ops"), "viewer", web_1)
    other = make_team(name="dev")

    assert as_admin.delete(f"{bindings_url(other)}{binding.pk}/").status_code == 404
    assert RoleBinding.objects.filter(pk=binding.pk).exists()


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"role": "viewer"}, "hosts: Choose all hosts, or at least one host."),
        ({"role": "viewer", "all_hosts": False, "hosts": []}, "hosts: Choose all hosts, or at least one host."),
        (
            {"role": "viewer", "all_hosts": True, "hosts": ["WEB_1"]},
            "hosts: Choose all hosts or a set of hosts, not both.",
        ),
        ({"role": "owner", "all_hosts": True}, 'role: "owner" is not a valid choice.'),
        ({"all_hosts": True}, "role: This field is required."),
        ({"role": "viewer", "hosts": "WEB_1"}, 'hosts: Expected a list of items but got type "str".'),
        ({"role": "viewer", "hosts": ["web-1"]}, "hosts: Hosts are named by id (a number), not 'web-1'."),
        ({"role": "viewer", "hosts": [0]}, "hosts: Hosts are named by id (a number), not 0."),
        ({"role": "viewer", "all_hosts": "maybe"}, "all_hosts: Must be a valid boolean."),
    ],
)
def test_a_malformed_binding_is_a_400_saying_what_is_wrong(as_admin, web_1, payload, detail):
    team = make_team(name="ops")
    payload = {k: ([web_1.pk] if v == ["WEB_1"] else v) for k, v in payload.items()}

    response = as_admin.post(bindings_url(team), payload, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert not RoleBinding.objects.exists()


def test_unknown_hosts_are_a_400_naming_every_unknown_id(as_admin, web_1):
    team = make_team(name="ops")

    response = as_admin.post(bindings_url(team), {"role": "viewer", "hosts": [web_1.pk, 998, 999]}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "hosts: No host with id 998, 999."
    assert not RoleBinding.objects.exists()


def test_a_change_that_would_leave_a_binding_reaching_no_host_is_a_400(as_admin, web_1):
    binding = make_binding(make_team(name="ops"), "viewer", web_1)

    response = as_admin.patch(binding_url(binding), {"hosts": []}, format="json")

    assert response.status_code == 400
    assert list(binding.hosts.all()) == [web_1]


def test_an_admin_who_is_not_a_superuser_cannot_lower_their_own_teams_admin_role():
    ada = make_admin_of_all_hosts("ada")
    [binding] = RoleBinding.objects.filter(team__members=ada)

    lowered = api_as(ada).patch(binding_url(binding), {"role": "developer"}, format="json")
    removed = api_as(ada).delete(binding_url(binding))

    assert lowered.status_code == removed.status_code == 409
    binding.refresh_from_db()
    assert binding.role == "admin"


# --- audit -----------------------------------------------------------------------------------


def test_granting_changing_and_removing_a_role_is_audited(as_admin, web_1, web_2):
    team = make_team(name="ops")

    binding_id = as_admin.post(bindings_url(team), {"role": "viewer", "hosts": [web_1.pk]}, format="json").json()["id"]
    as_admin.patch(f"{bindings_url(team)}{binding_id}/", {"role": "operator", "hosts": [web_2.pk]}, format="json")
    as_admin.delete(f"{bindings_url(team)}{binding_id}/")

    events = AuditEvent.objects.filter(action__startswith="team.binding").order_by("pk")
    assert [(e.action, e.target_type, e.target_id) for e in events] == [
        ("team.binding.add", "rolebinding", str(binding_id)),
        ("team.binding.change", "rolebinding", str(binding_id)),
        ("team.binding.remove", "rolebinding", str(binding_id)),
    ]
    added, changed, removed = (e.detail for e in events)
    assert added == {"team": "ops", "role": "viewer", "all_hosts": False, "hosts": ["web-1"]}
    assert changed["role"] == "operator"
    assert changed["hosts"] == ["web-2"]
    assert changed["was"] == added
    assert removed["hosts"] == ["web-2"]


# --- what members see, end to end through the policy -----------------------------------------


def test_a_binding_decides_which_hosts_a_member_sees(as_admin):
    web_1, web_2 = make_online_host("web-1"), make_online_host("web-2")
    ada = make_user("ada")
    team = make_team(ada, name="ops")
    ada_client = api_as(ada)

    binding_id = as_admin.post(bindings_url(team), {"role": "viewer", "hosts": [web_1.pk]}, format="json").json()["id"]

    assert host_names(ada_client) == ["web-1"]
    assert ada_client.get(f"{HOSTS_URL}{web_1.pk}/").status_code == 200
    assert ada_client.get(f"{HOSTS_URL}{web_2.pk}/").status_code == 404

    as_admin.patch(f"{bindings_url(team)}{binding_id}/", {"all_hosts": True}, format="json")
    assert host_names(ada_client) == ["web-1", "web-2"]

    as_admin.delete(f"{bindings_url(team)}{binding_id}/")
    assert host_names(ada_client) == []
    assert ada_client.get(f"{HOSTS_URL}{web_1.pk}/").status_code == 404


def test_a_role_given_through_the_api_lets_a_member_act_on_that_host_only(as_admin):
    web_1, web_2 = make_online_host("web-1"), make_online_host("web-2")
    ada = make_user("ada")
    team = make_team(ada, name="ops")
    ada_client = api_as(ada)

    as_admin.post(bindings_url(team), {"role": "admin", "hosts": [web_1.pk]}, format="json")

    assert ada_client.patch(f"{HOSTS_URL}{web_1.pk}/", {"labels": {"a": "b"}}, format="json").status_code == 200
    assert ada_client.patch(f"{HOSTS_URL}{web_2.pk}/", {"labels": {"a": "b"}}, format="json").status_code == 404
    # Admin of one host is not admin of teams.
    assert ada_client.get(bindings_url(team)).status_code == 404
