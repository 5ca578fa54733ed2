"""Who sees, uses and manages which registry: Docker Hub is everyone's; a private registry is its
team's (and the admins'); only admins of every host add, edit and remove. The operations' entry
point, auth_config_for, asks the same policy."""

import pytest
from django.http import Http404

from portal.access.policy import can
from portal.refusals import Forbidden
from portal.registries.auth import auth_config_for
from portal.registries.models import Registry
from tests.portal.factories import (
    make_binding,
    make_host,
    make_image,
    make_online_host,
    make_superuser,
    make_team,
    make_user,
)

from .conftest import PASSWORD, USER, make_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    host = make_host("web-1")
    dev, viewer, outsider, admin_all = (make_user(n) for n in ("dev", "viewer", "outsider", "admin-all"))
    builders = make_team(dev, viewer, name="builders")
    make_binding(make_team(dev), "developer", host)
    make_binding(make_team(viewer), "viewer", host)
    make_binding(make_team(outsider), "developer", host, all_hosts=True)
    make_binding(make_team(admin_all), "admin", all_hosts=True)
    others = make_team(outsider, name="others")
    return {
        "dev": dev,
        "viewer": viewer,
        "outsider": outsider,
        "admin": admin_all,
        "ours": make_registry("ours", team=builders),
        "theirs": make_registry("theirs", team=others),
        "admins only": make_registry("admins only"),
        "hub": Registry.objects.get(builtin=True),
    }


def visible_names(api, user):
    api.force_authenticate(user)
    return {row["name"] for row in api.get("/api/v1/registries/").json()["results"]}


def test_each_user_sees_docker_hub_and_their_teams_registries(api, teams):
    assert visible_names(api, teams["dev"]) == {"Docker Hub", "ours"}
    assert visible_names(api, teams["viewer"]) == {"Docker Hub", "ours"}
    assert visible_names(api, teams["outsider"]) == {"Docker Hub", "theirs"}
    assert visible_names(api, teams["admin"]) == {"Docker Hub", "ours", "theirs", "admins only"}
    assert visible_names(api, make_user("nobody")) == {"Docker Hub"}


def test_another_teams_registry_does_not_exist_for_you(api, teams):
    api.force_authenticate(teams["dev"])
    theirs = teams["theirs"].pk

    assert api.get(f"/api/v1/registries/{theirs}/").status_code == 404
    assert api.get(f"/api/v1/registries/{theirs}/repositories/").status_code == 404
    assert api.post(f"/api/v1/registries/{theirs}/test/").status_code == 404
    assert api.patch(f"/api/v1/registries/{theirs}/", {"name": "x"}, format="json").status_code == 404


def test_a_team_member_who_is_not_admin_everywhere_cannot_change_their_registry(api, teams):
    api.force_authenticate(teams["dev"])
    ours = teams["ours"].pk

    assert api.patch(f"/api/v1/registries/{ours}/", {"name": "x"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/registries/{ours}/").status_code == 403
    assert api.post("/api/v1/registries/", {"name": "n", "url": "http://x"}, format="json").status_code == 403


def test_auth_config_for_a_developer_of_the_owning_team(teams):
    builder = make_user("builder")
    crew = make_team(builder, name="crew")
    make_binding(crew, "developer", make_host("web-2"))
    registry = make_registry("crew's", team=crew)

    config = auth_config_for(builder, registry.pk)

    assert config == {"username": USER, "password": PASSWORD, "serveraddress": "127.0.0.1:5000"}


def test_a_developer_through_another_team_sees_the_registry_but_may_not_use_it(teams):
    # "dev" is a developer on web-1 through a team of their own, and a member of "builders"
    # (which owns "ours") with no role from it: using a team's registry needs the role from
    # that team's own bindings.
    with pytest.raises(Forbidden):
        auth_config_for(teams["dev"], teams["ours"].pk)
    assert can(teams["dev"], "registry.view", teams["ours"])


def test_auth_config_is_refused_to_a_viewer_and_hidden_from_outsiders(teams):
    with pytest.raises(Forbidden):
        auth_config_for(teams["viewer"], teams["ours"].pk)
    with pytest.raises(Http404):
        auth_config_for(teams["outsider"], teams["ours"].pk)
    with pytest.raises(Http404):
        auth_config_for(teams["dev"], 999_999)


def test_an_admin_of_every_host_uses_every_registry_and_docker_hub_needs_no_credentials(teams):
    assert auth_config_for(teams["admin"], teams["admins only"].pk)["username"] == USER
    assert auth_config_for(make_superuser(), teams["theirs"].pk)["serveraddress"] == "127.0.0.1:5000"
    assert auth_config_for(teams["dev"], teams["hub"].pk) is None


def test_the_policy_answers_the_same_for_pages(teams):
    assert not can(teams["dev"], "registry.use", teams["ours"])  # a developer, but not through its team
    assert not can(teams["viewer"], "registry.use", teams["ours"])
    assert can(teams["viewer"], "registry.view", teams["ours"])
    assert not can(teams["dev"], "registry.view", teams["theirs"])
    assert not can(teams["dev"], "registry.manage", teams["ours"])
    assert can(teams["admin"], "registry.manage", teams["theirs"])


def test_the_restricted_list_is_one_query_however_many_teams(django_assert_num_queries, teams):
    from portal.access.policy import AccessScope

    scope = AccessScope.for_user(teams["dev"])
    for n in range(5):
        make_team(teams["dev"], name=f"extra {n}")

    with django_assert_num_queries(1):
        names = sorted(r.name for r in Registry.objects.restrict(scope, "registry.view"))

    assert names == ["Docker Hub", "ours"]


def test_the_list_costs_the_same_queries_for_two_registries_or_twenty(api, teams, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api.force_authenticate(teams["dev"])
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/registries/")
    crew = teams["ours"].team
    for n in range(18):
        make_registry(f"more-{n}", team=crew)

    with django_assert_num_queries(len(few.captured_queries)):
        rows = api.get("/api/v1/registries/").json()["results"]

    assert len(rows) == 20 and {row["team_name"] for row in rows if not row["builtin"]} == {"builders"}


def test_a_developer_of_another_team_on_the_same_host_cannot_pull_or_push_with_a_teams_registry(
    api, monkeypatch, django_capture_on_commit_callbacks
):
    # Given web-1, where team A and team B are both developers; A owns a registry, and so does
    # team W, whose own binding is viewer. Ada is in A; Eve is in B and in W.
    sent = []
    monkeypatch.setattr("portal.operations.dispatch.send_operation_task", lambda *args: sent.append(args))
    host = make_online_host("web-1")
    ada, eve = make_user("ada"), make_user("eve")
    team_a, team_b, team_w = make_team(ada, name="A"), make_team(eve, name="B"), make_team(eve, name="W")
    make_binding(team_a, "developer", host)
    make_binding(team_b, "developer", host)
    make_binding(team_w, "viewer", host)
    image = make_image(host, ["app:1"])

    def attempts(user, registry):
        api.force_authenticate(user)
        reference = f"{registry.host_and_port}/app:1"
        with django_capture_on_commit_callbacks(execute=True):
            pull = api.post(
                "/api/v1/images/pull/",
                {"host": host.pk, "reference": reference, "registry": registry.pk},
                format="json",
            )
            push = api.post(
                f"/api/v1/images/{image.pk}/push/", {"reference": reference, "registry": registry.pk}, format="json"
            )
        return pull.status_code, push.status_code

    a_registry, w_registry = make_registry("A's", team=team_a), make_registry("W's", team=team_w)

    # A developer through A uses A's registry, and its credentials go with the pull and the push.
    assert attempts(ada, a_registry) == (202, 202)
    credentials = {"username": USER, "password": PASSWORD, "serveraddress": "127.0.0.1:5000"}
    assert [args[2] for args in sent] == [credentials, credentials]
    sent.clear()
    # Eve is a developer on web-1 too, through B: A's registry does not exist for her, and W's,
    # whose team gives her only a viewer's role, she sees but may not use.
    assert attempts(eve, a_registry) == (404, 404)
    assert attempts(eve, w_registry) == (403, 403)
    assert sent == []
