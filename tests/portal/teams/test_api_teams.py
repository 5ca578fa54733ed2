"""/api/v1/teams/: only admins of every host see and manage teams."""

import pytest

from portal.audit.models import AuditEvent
from portal.teams.models import Team
from tests.portal.factories import make_superuser, make_team, make_user
from tests.portal.teams.people import api_as, make_admin_of, make_admin_of_all_hosts

pytestmark = pytest.mark.django_db

TEAMS_URL = "/api/v1/teams/"


def team_url(team) -> str:
    return f"{TEAMS_URL}{team.pk}/"


def refused_users(host):
    return {"plain user": make_user(), "admin of one host": make_admin_of(host)}


# --- without permission ----------------------------------------------------------------------


def test_without_credentials_teams_are_a_401(api):
    assert api.get(TEAMS_URL).status_code == 401


@pytest.mark.parametrize("who", ["plain user", "admin of one host"])
def test_a_user_who_may_not_manage_teams_sees_none(web_1, who):
    make_team(name="ops")
    client = api_as(refused_users(web_1)[who])

    response = client.get(TEAMS_URL)

    assert response.status_code == 200
    # An admin of one host is in a team of their own: they still see no team at all.
    assert response.json()["count"] == 0


@pytest.mark.parametrize("who", ["plain user", "admin of one host"])
def test_a_team_is_a_404_to_who_may_not_manage_teams(web_1, who):
    team = make_team(name="ops")
    client = api_as(refused_users(web_1)[who])

    assert client.get(team_url(team)).status_code == 404
    assert client.patch(team_url(team), {"name": "mine"}, format="json").status_code == 404
    assert client.delete(team_url(team)).status_code == 404
    team.refresh_from_db()
    assert team.name == "ops"


@pytest.mark.parametrize("who", ["plain user", "admin of one host"])
def test_creating_a_team_without_permission_is_a_403(web_1, who):
    client = api_as(refused_users(web_1)[who])

    response = client.post(TEAMS_URL, {"name": "mine"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Team.objects.filter(name="mine").exists()


# --- with permission -------------------------------------------------------------------------


def test_a_superuser_lists_teams_with_their_members(as_admin):
    ada, bob = make_user("ada"), make_user("bob")
    make_team(bob, ada, name="ops")
    make_team(name="dev")

    response = as_admin.get(TEAMS_URL)

    assert response.status_code == 200
    assert [(t["name"], t["members"]) for t in response.json()["results"]] == [("dev", []), ("ops", ["ada", "bob"])]


def test_an_admin_of_every_host_manages_teams_without_being_a_superuser():
    client = api_as(make_admin_of_all_hosts("ada"))

    created = client.post(TEAMS_URL, {"name": "ops", "description": "Runs things"}, format="json")
    team = Team.objects.get(name="ops")
    renamed = client.patch(team_url(team), {"name": "operations"}, format="json")
    deleted = client.delete(team_url(team))

    assert created.status_code == 201
    assert created.json()["description"] == "Runs things"
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "operations"
    assert deleted.status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()


def test_the_list_filters_by_name(as_admin):
    make_team(name="Frontend")
    make_team(name="backend")

    names = [t["name"] for t in as_admin.get(TEAMS_URL, {"q": "FRONT"}).json()["results"]]

    assert names == ["Frontend"]


@pytest.mark.parametrize("teams", [1, 10])
def test_listing_teams_takes_the_same_queries_however_many_there_are(as_admin, django_assert_num_queries, teams):
    for number in range(teams):
        make_team(make_user(), make_user(), name=f"team {number}")

    with django_assert_num_queries(3):  # count + page + members
        response = as_admin.get(TEAMS_URL)

    assert response.json()["count"] == teams


# --- bad input -------------------------------------------------------------------------------


def test_a_duplicate_team_name_is_a_400_saying_so(as_admin):
    make_team(name="ops")

    response = as_admin.post(TEAMS_URL, {"name": "ops"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "name: A team with this name already exists."
    assert Team.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "name: This field is required."),
        ({"name": ""}, "name: This field may not be blank."),
        ({"name": "x" * 101}, "name: Ensure this field has no more than 100 characters."),
    ],
)
def test_a_bad_team_is_a_400_naming_the_field(as_admin, payload, detail):
    response = as_admin.post(TEAMS_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == detail
    assert not Team.objects.exists()


def test_a_malformed_body_is_a_400_not_a_500(as_admin):
    response = as_admin.post(TEAMS_URL, data="{nope", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_put_is_not_offered(as_admin):
    team = make_team(name="ops")

    assert as_admin.put(team_url(team), {"name": "x"}, format="json").status_code == 405


# --- audit -----------------------------------------------------------------------------------


def test_creating_renaming_and_deleting_a_team_is_audited():
    admin = make_superuser("root")
    client = api_as(admin)

    team_id = client.post(TEAMS_URL, {"name": "ops"}, format="json").json()["id"]
    client.patch(f"{TEAMS_URL}{team_id}/", {"name": "operations"}, format="json")
    client.delete(f"{TEAMS_URL}{team_id}/")

    events = list(AuditEvent.objects.filter(action__startswith="team.").order_by("pk"))
    assert [(e.action, e.username, e.target_type, e.target_id, e.outcome) for e in events] == [
        ("team.create", "root", "team", str(team_id), "success"),
        ("team.change", "root", "team", str(team_id), "success"),
        ("team.delete", "root", "team", str(team_id), "success"),
    ]
    assert events[1].detail == {"name": "operations", "was": {"name": "ops"}}
    assert events[2].target_repr == "operations"


def test_changing_only_the_description_is_audited_with_what_it_was(as_admin):
    team = Team.objects.create(name="ops", description="old")

    response = as_admin.patch(team_url(team), {"description": "new"}, format="json")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="team.change")
    assert event.detail == {"description": "new", "was": {"description": "old"}}
