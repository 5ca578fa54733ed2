"""The team pages: a 404 to anyone who may not manage teams; forms that change nothing when wrong."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEvent
from portal.teams.models import RoleBinding, Team, TeamMembership
from tests.portal.factories import make_binding, make_superuser, make_team, make_user
from tests.portal.teams.people import browser_as, make_admin_of, make_admin_of_all_hosts

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return browser_as(make_superuser("root"))


@pytest.fixture
def team():
    return make_team(name="ops")


def page_urls(team, member, binding) -> list[tuple[str, str]]:
    return [
        ("get", reverse("team-list")),
        ("post", reverse("team-list")),
        ("get", reverse("team-detail", args=[team.pk])),
        ("post", reverse("team-detail", args=[team.pk])),
        ("get", reverse("team-delete", args=[team.pk])),
        ("post", reverse("team-delete", args=[team.pk])),
        ("post", reverse("team-member-add", args=[team.pk])),
        ("post", reverse("team-member-remove", args=[team.pk, member.pk])),
        ("post", reverse("team-binding-add", args=[team.pk])),
        ("post", reverse("team-binding-remove", args=[team.pk, binding.pk])),
    ]


# --- without permission ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["plain user", "admin of one host"])
def test_every_team_page_is_a_404_to_who_may_not_manage_teams(web_1, team, who):
    member = make_user("ada")
    TeamMembership.objects.create(team=team, user=member)
    binding = make_binding(team, "viewer", web_1)
    caller = make_user() if who == "plain user" else make_admin_of(web_1)
    browser = browser_as(caller)

    for method, url in page_urls(team, member, binding):
        response = getattr(browser, method)(url, {"team-name": "mine", "name": "mine"})
        assert response.status_code == 404, (method, url)

    assert list(Team.objects.filter(pk=team.pk).values_list("name", flat=True)) == ["ops"]
    assert list(team.members.all()) == [member]
    assert RoleBinding.objects.filter(pk=binding.pk).exists()


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(team):
    response = Client().get(reverse("team-detail", args=[team.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- the list --------------------------------------------------------------------------------


def test_an_admin_sees_teams_with_member_counts_and_roles(admin, web_1):
    team = make_team(make_user(), make_user(), name="ops")
    make_binding(team, "operator", web_1)
    make_binding(make_team(name="dev"), "viewer", all_hosts=True)

    page = admin.get(reverse("team-list")).content.decode()

    assert "ops" in page and "dev" in page
    assert "web-1" in page
    assert "all hosts" in page


def test_an_admin_of_every_host_who_is_not_a_superuser_may_use_the_pages():
    browser = browser_as(make_admin_of_all_hosts())

    assert browser.get(reverse("team-list")).status_code == 200


@pytest.mark.parametrize("teams", [1, 10])
def test_the_team_list_takes_the_same_queries_however_many_teams(admin, web_1, django_assert_num_queries, teams):
    for number in range(teams):
        make_binding(make_team(make_user(), name=f"team {number}"), "viewer", web_1)

    # session + user + teams + bindings + their hosts
    with django_assert_num_queries(5):
        response = admin.get(reverse("team-list"))

    assert response.status_code == 200


def test_an_admin_creates_a_team_and_lands_on_its_page(admin):
    response = admin.post(reverse("team-list"), {"name": "ops", "description": "Runs things"}, follow=True)

    team = Team.objects.get(name="ops")
    assert response.redirect_chain[-1][0] == reverse("team-detail", args=[team.pk])
    assert "Team ops created" in response.content.decode()
    assert AuditEvent.objects.filter(action="team.create", target_id=str(team.pk)).exists()


def test_a_duplicate_team_name_shows_the_error_and_creates_nothing(admin, team):
    response = admin.post(reverse("team-list"), {"name": "ops"})

    assert response.status_code == 200
    assert "A team with this name already exists." in response.content.decode()
    assert Team.objects.count() == 1


# --- one team --------------------------------------------------------------------------------


def test_an_admin_renames_a_team(admin, team):
    response = admin.post(reverse("team-detail", args=[team.pk]), {"team-name": "operations", "team-description": ""})

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "operations"


def test_a_rename_to_a_taken_name_shows_the_error_and_keeps_the_old_name(admin, team):
    make_team(name="dev")

    response = admin.post(reverse("team-detail", args=[team.pk]), {"team-name": "dev"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "A team with this name already exists." in page
    assert '<h2 class="page-title" id="team-name">ops</h2>' in page
    team.refresh_from_db()
    assert team.name == "ops"


def test_an_admin_adds_a_member_by_choosing_their_username(admin, team):
    ada = make_user("ada")

    page = admin.get(reverse("team-detail", args=[team.pk])).content.decode()
    assert f'<option value="{ada.pk}">ada</option>' in page

    response = admin.post(reverse("team-member-add", args=[team.pk]), {"member-user": ada.pk}, follow=True)

    assert list(team.members.all()) == [ada]
    assert "ada added to ops." in response.content.decode()


def test_adding_a_member_twice_shows_the_error(admin, team):
    ada = make_user("ada")
    TeamMembership.objects.create(team=team, user=ada)

    response = admin.post(reverse("team-member-add", args=[team.pk]), {"member-user": ada.pk})

    assert response.status_code == 200
    assert "Choose a user who is not a member of this team yet." in response.content.decode()
    assert TeamMembership.objects.count() == 1


def test_an_admin_removes_a_member(admin, team):
    ada = make_user("ada")
    TeamMembership.objects.create(team=team, user=ada)

    response = admin.post(reverse("team-member-remove", args=[team.pk, ada.pk]))

    assert response.status_code == 302
    assert not team.members.exists()


def test_removing_a_member_is_a_post(admin, team):
    ada = make_user("ada")
    TeamMembership.objects.create(team=team, user=ada)

    assert admin.get(reverse("team-member-remove", args=[team.pk, ada.pk])).status_code == 405
    assert team.members.exists()


def test_an_admin_who_is_not_a_superuser_is_told_they_cannot_remove_themselves():
    ada = make_admin_of_all_hosts("ada")
    [team] = ada.teams.all()

    response = browser_as(ada).post(reverse("team-member-remove", args=[team.pk, ada.pk]), follow=True)

    assert "take away your own right to manage teams" in response.content.decode()
    assert list(team.members.all()) == [ada]


def test_an_admin_gives_a_team_a_role_on_chosen_hosts(admin, team, web_1, web_2):
    response = admin.post(
        reverse("team-binding-add", args=[team.pk]),
        {"binding-role": "operator", "binding-hosts": [web_1.pk, web_2.pk]},
        follow=True,
    )

    [binding] = team.bindings.all()
    assert (binding.role, binding.all_hosts, set(binding.hosts.all())) == ("operator", False, {web_1, web_2})
    assert "ops is now operator on web-1, web-2." in response.content.decode()


def test_an_admin_gives_a_team_a_role_on_all_hosts(admin, team):
    admin.post(reverse("team-binding-add", args=[team.pk]), {"binding-role": "viewer", "binding-all_hosts": "on"})

    [binding] = team.bindings.all()
    assert binding.all_hosts is True


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"binding-role": "viewer"}, "Choose all hosts, or at least one host."),
        ({"binding-role": "viewer", "binding-all_hosts": "on", "binding-hosts": "HOST"}, "not both"),
        ({"binding-role": "owner", "binding-all_hosts": "on"}, "Select a valid choice."),
        ({"binding-role": "viewer", "binding-hosts": "999"}, "Select a valid choice."),
    ],
)
def test_a_wrong_binding_shows_the_error_and_grants_nothing(admin, team, web_1, form, error):
    form = {k: (web_1.pk if v == "HOST" else v) for k, v in form.items()}

    response = admin.post(reverse("team-binding-add", args=[team.pk]), form)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not RoleBinding.objects.exists()


def test_an_admin_removes_a_role(admin, team, web_1):
    binding = make_binding(team, "viewer", web_1)

    response = admin.post(reverse("team-binding-remove", args=[team.pk, binding.pk]), follow=True)

    assert not RoleBinding.objects.exists()
    assert "ops is no longer viewer on web-1." in response.content.decode()


def test_deleting_a_team_asks_first_then_deletes_on_confirmation(admin, team):
    TeamMembership.objects.create(team=team, user=make_user())

    question = admin.get(reverse("team-delete", args=[team.pk]))
    assert "Delete team ops?" in question.content.decode()
    assert Team.objects.filter(pk=team.pk).exists()

    response = admin.post(reverse("team-delete", args=[team.pk]))
    assert response.status_code == 302
    assert response.url == reverse("team-list")
    assert not Team.objects.filter(pk=team.pk).exists()
    assert AuditEvent.objects.filter(action="team.delete", target_id=str(team.pk)).exists()


def test_an_unknown_team_is_a_404(admin):
    assert admin.get(reverse("team-detail", args=[999])).status_code == 404


def test_a_form_posted_without_its_csrf_token_is_refused(team):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_superuser())

    response = browser.post(reverse("team-list"), {"name": "sneaky"})

    assert response.status_code == 403
    assert not Team.objects.filter(name="sneaky").exists()
