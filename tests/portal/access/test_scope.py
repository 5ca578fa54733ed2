"""AccessScope: what a user may do, answered without further queries."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured

from portal.access.policy import ACTIONS, AccessScope, Role, can, scope_for
from portal.hosts.models import Host
from tests.portal.factories import make_host, make_superuser, make_user


def unsaved_user(**fields):
    return get_user_model()(pk=fields.pop("pk", 7), username="someone", **fields)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_superuser_may_do_everything_everywhere(action):
    scope = AccessScope.for_user(unsaved_user(is_superuser=True))

    assert scope.allows(action) is True
    assert scope.allows(action, host_id=123) is True


@pytest.mark.parametrize(
    "user",
    [None, AnonymousUser(), unsaved_user(is_superuser=True, is_active=False), unsaved_user()],
    ids=["no user", "anonymous", "inactive superuser", "plain user"],
)
@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.django_db
def test_without_a_role_nothing_is_allowed_but_what_is_ones_own(user, action):
    scope = AccessScope.for_user(user)
    own = ACTIONS[action][0] is None and scope.authenticated

    assert scope.allows(action) is own
    assert scope.allows(action, host_id=1) is own


def test_a_role_on_one_host_counts_on_that_host_only():
    scope = AccessScope(user_id=7, host_roles={1: Role.VIEWER, 2: Role.ADMIN})

    assert scope.allows("host.view", 1) is True
    assert scope.allows("host.change", 1) is False
    assert scope.allows("host.change", 2) is True
    assert scope.allows("host.view", 3) is False


def test_adding_hosts_needs_admin_on_all_hosts_not_on_one():
    assert AccessScope(user_id=7, host_roles={1: Role.ADMIN}).allows("host.add") is False
    assert AccessScope(user_id=7, all_hosts_role=Role.ADMIN).allows("host.add") is True
    assert AccessScope(user_id=7, all_hosts_role=Role.DEVELOPER).allows("host.add") is False


def test_the_higher_of_an_all_hosts_and_a_host_role_wins():
    scope = AccessScope(user_id=7, all_hosts_role=Role.VIEWER, host_roles={1: Role.ADMIN})

    assert scope.role_on(1) is Role.ADMIN
    assert scope.role_on(2) is Role.VIEWER
    assert scope.allows("host.delete", 1) is True
    assert scope.allows("host.delete", 2) is False


def test_an_unknown_action_is_a_configuration_error_not_a_refusal():
    scope = AccessScope.for_user(unsaved_user(is_superuser=True))

    with pytest.raises(ImproperlyConfigured, match=r"no entry for action 'host\.launch'"):
        scope.allows("host.launch", 1)
    with pytest.raises(ImproperlyConfigured):
        scope.host_filter("host.launch", "pk")


@pytest.mark.django_db
def test_a_scope_is_computed_once_per_request_and_per_user():
    class Request:
        user = unsaved_user(pk=1, is_superuser=True)

    request = Request()
    first = scope_for(request)
    assert scope_for(request) is first

    request.user = unsaved_user(pk=2)
    assert scope_for(request) is not first
    assert scope_for(request).allows("host.view", 1) is False


@pytest.mark.django_db
def test_restrict_keeps_the_rows_a_user_may_see():
    web_1, web_2 = make_host("web-1"), make_host("web-2")
    admin, plain = make_superuser(), make_user()

    assert set(Host.objects.restrict(admin, "host.view")) == {web_1, web_2}
    assert list(Host.objects.restrict(plain, "host.view")) == []
    assert can(admin, "host.delete", web_1) is True
    assert can(plain, "host.view", web_1) is False


@pytest.mark.django_db
def test_restrict_honours_host_roles():
    web_1, _web_2, web_3 = make_host("web-1"), make_host("web-2"), make_host("web-3")
    scope = AccessScope(user_id=7, host_roles={web_1.pk: Role.VIEWER, web_3.pk: Role.ADMIN})

    visible = Host.objects.filter(scope.host_filter("host.view", "pk"))
    changeable = Host.objects.filter(scope.host_filter("host.change", "pk"))

    assert set(visible) == {web_1, web_3}
    assert list(changeable) == [web_3]
