"""/api/v1/teams/{id}/members/: adding and removing a team's members."""

import json

import pytest

from portal.audit.models import AuditEvent
from portal.teams.models import TeamMembership
from tests.portal.factories import make_binding, make_online_host, make_team, make_user
from tests.portal.teams.people import api_as, make_admin_of, make_admin_of_all_hosts

pytestmark = pytest.mark.django_db


def members_url(team) -> str:
    return f"/api/v1/teams/{team.pk}/members/"


def member_url(team, user) -> str:
    return f"{members_url(team)}{user.pk}/"


# --- without permission ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["none", "admin of one host"])
def test_members_are_a_404_to_who_may_not_manage_teams(web_1, role):
    ada = make_user("ada")
    team = make_team(ada, name="ops")
    caller = make_user() if role == "none" else make_admin_of(web_1)
    client = api_as(caller)

    assert client.get(members_url(team)).status_code == 404
    assert client.delete(member_url(team, ada)).status_code == 404
    assert client.post(members_url(team), {"user": caller.pk}, format="json").status_code == 404
    assert list(team.members.all()) == [ada]


def test_a_team_member_cannot_add_themselves(web_1):
    ada = make_user("ada")
    team = make_team(ada, name="ops")
    make_binding(team, "developer", web_1)

    response = api_as(ada).post(members_url(team), {"user": ada.pk}, format="json")

    assert response.status_code == 404
    assert TeamMembership.objects.filter(team=team).count() == 1


# --- with permission -------------------------------------------------------------------------


def test_an_admin_lists_a_teams_members(as_admin):
    team = make_team(make_user("bob"), make_user("ada", is_active=False), name="ops")

    response = as_admin.get(members_url(team))

    assert response.status_code == 200
    assert [(m["username"], m["is_active"]) for m in response.json()["results"]] == [("ada", False), ("bob", True)]
    assert set(response.json()["results"][0]) == {"user", "username", "is_active", "created_at"}


def test_an_admin_adds_and_removes_a_member():
    client = api_as(make_admin_of_all_hosts())
    ada = make_user("ada")
    team = make_team(name="ops")

    added = client.post(members_url(team), {"user": ada.pk}, format="json")
    assert added.status_code == 201
    assert added.json()["username"] == "ada"
    assert list(team.members.all()) == [ada]

    removed = client.delete(member_url(team, ada))
    assert removed.status_code == 204
    assert list(team.members.all()) == []


def test_members_of_an_unknown_team_are_a_404(as_admin):
    assert as_admin.get("/api/v1/teams/999/members/").status_code == 404
    assert as_admin.post("/api/v1/teams/999/members/", {"user": 1}, format="json").status_code == 404


# --- bad input -------------------------------------------------------------------------------


def test_adding_an_unknown_user_is_a_400_naming_the_id(as_admin):
    team = make_team(name="ops")

    response = as_admin.post(members_url(team), {"user": 4242}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "user: No user with id 4242."
    assert not TeamMembership.objects.exists()


@pytest.mark.parametrize("payload", [{}, {"user": "ada"}, {"user": None}, {"user": -1}])
def test_a_malformed_member_is_a_400(as_admin, payload):
    team = make_team(name="ops")

    response = as_admin.post(members_url(team), payload, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("user: ")


def test_adding_a_member_twice_is_a_409(as_admin):
    ada = make_user("ada")
    team = make_team(ada, name="ops")

    response = as_admin.post(members_url(team), {"user": ada.pk}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "ada is already a member of ops.", "code": "conflict"}
    assert TeamMembership.objects.count() == 1


def test_removing_someone_who_is_not_a_member_is_a_404(as_admin):
    team = make_team(name="ops")

    assert as_admin.delete(member_url(team, make_user())).status_code == 404
    assert as_admin.delete(f"{members_url(team)}abc/").status_code == 404


def test_an_admin_who_is_not_a_superuser_cannot_remove_their_own_last_admin_membership():
    ada = make_admin_of_all_hosts("ada")
    [team] = ada.teams.all()

    response = api_as(ada).delete(member_url(team, ada))

    assert response.status_code == 409
    assert "take away your own right to manage teams" in response.json()["detail"]
    assert list(team.members.all()) == [ada]
    assert not AuditEvent.objects.filter(action="team.member.remove").exists()


# --- audit -----------------------------------------------------------------------------------


def test_adding_and_removing_members_is_audited_without_secrets(as_admin):
    ada = make_user("ada")
    team = make_team(name="ops")

    as_admin.post(members_url(team), {"user": ada.pk}, format="json")
    as_admin.delete(member_url(team, ada))

    events = AuditEvent.objects.filter(action__startswith="team.member").order_by("pk")
    assert [(e.action, e.target_type, e.target_id, e.detail) for e in events] == [
        ("team.member.add", "team", str(team.pk), {"member": "ada"}),
        ("team.member.remove", "team", str(team.pk), {"member": "ada"}),
    ]
    assert "password" not in json.dumps(list(events.values()), default=str)


# --- what the member sees --------------------------------------------------------------------


def test_membership_decides_what_a_user_sees_through_the_api(as_admin):
    web_1 = make_online_host("web-1")
    make_online_host("web-2")
    ada = make_user("ada")
    team = make_team(name="ops")
    make_binding(team, "viewer", web_1)
    ada_client = api_as(ada)

    assert ada_client.get("/api/v1/hosts/").json()["count"] == 0

    as_admin.post(members_url(team), {"user": ada.pk}, format="json")
    assert [h["name"] for h in ada_client.get("/api/v1/hosts/").json()["results"]] == ["web-1"]

    as_admin.delete(member_url(team, ada))
    assert ada_client.get("/api/v1/hosts/").json()["count"] == 0
    assert ada_client.get(f"/api/v1/hosts/{web_1.pk}/").status_code == 404


def test_an_unknown_team_is_a_404_whatever_the_body(as_admin):
    response = as_admin.post("/api/v1/teams/999/members/", {"user": "not even a number"}, format="json")

    assert response.status_code == 404
